"""The history says what happened: a reopen, a de-escalation, a vendor return and a merge each
leave a tier stay and an event that name them, and the tier path shows them as such."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from escala.tickets.actions import (
    de_escalate_ticket,
    escalate_ticket,
    merge_tickets,
    refer_to_vendor,
    reopen_ticket,
    resolve_ticket,
)
from escala.tickets.choices import EventKind, StayReason
from escala.tickets.models import TierStay

from .factories import open_ticket

pytestmark = pytest.mark.django_db


def reasons(ticket) -> list[tuple[str, str]]:
    stays = TierStay.objects.filter(ticket=ticket).order_by("entered_at", "id")
    return [(s.entry_reason, s.exit_reason) for s in stays]


def test_a_reopen_opens_a_stay_named_reopened_not_created(employee, l1_agent, categories):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Reset.")
    reopen_ticket(ticket=ticket, by=employee.user, reason="Still locked out.")
    assert reasons(ticket) == [
        (StayReason.CREATED, StayReason.RESOLVED),
        (StayReason.REOPENED, ""),
    ]
    assert ticket.events.filter(kind=EventKind.REOPENED).count() == 1


def test_the_tier_path_shows_a_reopen_in_the_api_and_on_the_desk(
    employee, l1_agent, supervisor, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Reset.")
    reopen_ticket(ticket=ticket, by=employee.user, reason="Still locked out.")
    client = Client()
    client.force_login(supervisor.user)
    path = client.get(f"/api/v1/tickets/{ticket.pk}/tier-path").json()
    assert [s["entry_reason"] for s in path] == ["created", "reopened"]
    page = client.get(f"/desk/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'class="stay-reason"' in page.content.decode()


def test_a_de_escalation_and_a_vendor_return_name_themselves(
    employee, l1_agent, l2_is_agent, supervisor, vendor, categories
):
    ticket = open_ticket(employee, category=categories["erp"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Tried the cache.")
    de_escalate_ticket(ticket=ticket, by=l2_is_agent.user, note="Known fix: clear the cache.")
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="Again", handover="Cache cleared.")
    refer_to_vendor(ticket=ticket, by=supervisor.user, vendor=vendor, reason="Vendor bug.")
    de_escalate_ticket(ticket=ticket, by=supervisor.user, note="Patch delivered; apply it.")
    entries = [entry for entry, _exit in reasons(ticket)]
    assert entries == [
        StayReason.CREATED,
        StayReason.ESCALATED,
        StayReason.DE_ESCALATED,
        StayReason.ESCALATED,
        StayReason.REFERRED,
        StayReason.RETURNED,
    ]
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.DE_ESCALATED) == 2
    returned = ticket.events.filter(kind=EventKind.DE_ESCALATED).last()
    assert returned.data.get("from_vendor")


def test_a_merge_names_itself_on_both_tickets(employee, l1_agent, categories):
    source = open_ticket(employee, category=categories["password"], subject="Duplicate")
    target = open_ticket(employee, category=categories["password"], subject="Original")
    merge_tickets(source=source, target=target, by=l1_agent.user, reason="Same problem.")
    assert reasons(source) == [(StayReason.CREATED, StayReason.MERGED)]
    assert source.events.filter(kind=EventKind.MERGED).exists()
    assert target.events.filter(kind=EventKind.ABSORBED, new_value=source.reference).exists()


def test_the_data_migration_renames_the_reopen_stays_already_recorded(
    employee, l1_agent, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    other = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Reset.")
    reopen_ticket(ticket=ticket, by=employee.user, reason="Still locked out.")
    # As recorded before: the reopen's stay said "created".
    TierStay.objects.filter(entry_reason=StayReason.REOPENED).update(entry_reason="created")
    migration = importlib.import_module("escala.tickets.migrations.0005_stay_reason_reopened")
    migration.reopens_were_recorded_as_creations(apps, None)
    assert [e for e, _x in reasons(ticket)] == [StayReason.CREATED, StayReason.REOPENED]
    assert [e for e, _x in reasons(other)] == [StayReason.CREATED]
