"""Triggers react to events without ever looping; macros answer and set fields."""

import pytest

from escala.automation.actions import apply_macro
from escala.automation.models import Macro, Notification, Trigger
from escala.automation.queries import macros_for, tags_of
from escala.core.errors import ValidationFailed
from escala.tickets.actions import claim_ticket, create_ticket, update_ticket_fields
from escala.tickets.choices import Channel, EventKind, MessageKind, Status
from escala.tiers.choices import Priority


@pytest.fixture
def ticket(frozen_clock, committed, customer, categories):
    with committed():
        return create_ticket(
            requester=customer,
            subject="Invoices missing",
            body="The March invoices are not in the portal.",
            channel=Channel.EMAIL,
            by=None,
            category=categories["erp"],
        )


def test_a_trigger_on_creation_tags_and_notifies_when_its_conditions_hold(
    frozen_clock, committed, customer, categories, supervisor
):
    Trigger.objects.create(
        name="E-mail from customers",
        event=EventKind.CREATED,
        conditions=[{"field": "channel", "op": "is", "value": "email"}],
        actions=[
            {"action": "add_tag", "value": "customer-mail"},
            {"action": "set_priority", "value": "high"},
            {"action": "notify", "value": "supervisors"},
        ],
    )
    with committed():
        by_mail = create_ticket(
            requester=customer, subject="A", body="b", channel=Channel.EMAIL, by=None
        )
        by_phone = create_ticket(
            requester=customer, subject="C", body="d", channel=Channel.PHONE, by=None
        )
    by_mail.refresh_from_db()
    by_phone.refresh_from_db()
    assert tags_of(by_mail) == ["customer-mail"]
    assert by_mail.priority == Priority.HIGH
    assert Notification.objects.filter(ticket=by_mail, agent=supervisor).exists()
    assert tags_of(by_phone) == []
    assert by_phone.priority == Priority.MEDIUM


def test_triggers_that_feed_each_other_cannot_loop(ticket, committed, l1_agent):
    # Each trigger's action is the other's event: without the guard they would run forever.
    Trigger.objects.create(
        name="Raise on change",
        event=EventKind.STATUS_CHANGED,
        actions=[{"action": "set_status", "value": "pending_customer"}],
    )
    Trigger.objects.create(
        name="Back to open",
        event=EventKind.STATUS_CHANGED,
        conditions=[{"field": "status", "op": "is", "value": "pending_customer"}],
        actions=[{"action": "set_status", "value": "open"}],
    )
    with committed():
        claim_ticket(ticket=ticket, by=l1_agent.user)
    ticket.refresh_from_db()
    changes = ticket.events.filter(kind=EventKind.STATUS_CHANGED).count()
    # new -> open (the claim), open -> pending (trigger 1), pending -> open (trigger 2): no more.
    assert changes == 3
    assert ticket.status == Status.OPEN


def test_a_trigger_escalates_a_ticket_that_becomes_critical(ticket, committed, l1_agent, tiers):
    Trigger.objects.create(
        name="Critical goes up",
        event=EventKind.FIELD_CHANGED,
        conditions=[
            {"field": "priority", "op": "is", "value": "critical"},
            {"field": "tier_level", "op": "is", "value": 1},
        ],
        actions=[{"action": "escalate", "reason": "Critical ERP issue"}],
    )
    with committed():
        update_ticket_fields(ticket=ticket, by=l1_agent.user, priority=Priority.HIGH)
    ticket.refresh_from_db()
    assert ticket.tier == tiers[1]
    with committed():
        update_ticket_fields(ticket=ticket, by=l1_agent.user, priority=Priority.CRITICAL)
    ticket.refresh_from_db()
    assert ticket.tier == tiers[2]
    assert ticket.events.get(kind=EventKind.ESCALATED).reason == "Critical ERP issue"


@pytest.fixture
def waiting_macro(db):
    return Macro.objects.create(
        name_en="Ask for a screenshot",
        name_es="Pedir captura",
        body_en="Hello {{ requester.name }}, please send a screenshot for {{ ticket.reference }}.",
        body_es="Hola {{ requester.name }}, envíanos una captura para {{ ticket.reference }}.",
        set_status=Status.PENDING_CUSTOMER,
        add_tag="needs-info",
    )


def test_a_macro_replies_in_the_requesters_language_and_sets_fields(
    ticket, committed, l1_agent, waiting_macro, customer
):
    customer.language = "en"
    customer.save()
    with committed():
        claim_ticket(ticket=ticket, by=l1_agent.user)
        message = apply_macro(ticket=ticket, macro=waiting_macro, by=l1_agent.user)
    ticket.refresh_from_db()
    assert message.kind == MessageKind.REPLY
    assert message.body == (f"Hello John Smith, please send a screenshot for {ticket.reference}.")
    assert ticket.status == Status.PENDING_CUSTOMER
    assert tags_of(ticket) == ["needs-info"]


def test_a_spanish_requester_gets_the_spanish_text(ticket, committed, l1_agent, waiting_macro):
    with committed():
        message = apply_macro(ticket=ticket, macro=waiting_macro, by=l1_agent.user)
    assert message.body.startswith("Hola John Smith")


def test_an_inactive_macro_is_refused_and_changes_nothing(ticket, l1_agent, waiting_macro):
    waiting_macro.is_active = False
    waiting_macro.save()
    with pytest.raises(ValidationFailed) as refused:
        apply_macro(ticket=ticket, macro=waiting_macro, by=l1_agent.user)
    assert refused.value.field == "macro"
    assert ticket.messages.count() == 1


def test_only_agents_see_macros(waiting_macro, l1_agent, customer):
    assert list(macros_for(l1_agent.user)) == [waiting_macro]
    assert list(macros_for(customer.user)) == []


def test_a_trigger_escalation_without_reason_names_the_trigger(ticket, committed, l1_agent, tiers):
    Trigger.objects.create(
        name="Critical goes up",
        event=EventKind.FIELD_CHANGED,
        conditions=[{"field": "priority", "op": "is", "value": "critical"}],
        actions=[{"action": "escalate"}],
    )
    with committed():
        update_ticket_fields(ticket=ticket, by=l1_agent.user, priority=Priority.CRITICAL)
    escalation = ticket.events.get(kind=EventKind.ESCALATED)
    assert escalation.reason == "Automatic escalation by the trigger “Critical goes up”."
    assert escalation.actor is None
