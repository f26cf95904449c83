"""The console's ticket page: the thread, the actions through the domain, stale forms, presence."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.tickets.actions import add_note, add_reply, add_vendor_message, claim_ticket
from escala.tickets.choices import EventKind, MessageKind, Status
from escala.tickets.models import Message, Ticket, TicketLink
from escala.tiers.models import Team
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def act(client, ticket, action, data, **extra):
    payload = {f"{action}-{k}": v for k, v in data.items()}
    payload.setdefault(f"{action}-version", Ticket.objects.get(pk=ticket.pk).version)
    return client.post(reverse("desk:action", args=[ticket.pk, action]), payload, **extra)


@pytest.fixture
def ticket(frozen_clock, employee, categories):
    return open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")


def test_notes_replies_and_vendor_messages_are_marked_apart(
    login, ticket, l1_agent, vendor, frozen_clock
):
    add_reply(ticket=ticket, by=l1_agent.user, body="Public words")
    add_note(ticket=ticket, by=l1_agent.user, body="Secret words")
    add_vendor_message(ticket=ticket, vendor=vendor, body="Vendor words", by=l1_agent.user)

    body = login(l1_agent.user).get(reverse("desk:ticket", args=[ticket.pk])).content.decode()

    assert 'class="msg from-agent"' in body
    assert 'class="msg is-note internal"' in body
    assert 'class="msg from-vendor internal"' in body
    assert "Internal note" in body


def test_a_ticket_outside_my_sight_is_not_found(
    login, frozen_clock, l1_agent, employee, categories
):
    elsewhere = open_ticket(employee, category=categories["database"])
    response = login(l1_agent.user).get(reverse("desk:ticket", args=[elsewhere.pk]))
    assert response.status_code == 404


def test_claim_then_reply_with_attachment_and_time_spent(login, ticket, l1_agent):
    client = login(l1_agent.user)
    act(client, ticket, "claim", {})
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    response = act(
        client,
        ticket,
        "compose",
        {"kind": "reply", "body": "Estamos en ello.", "time_spent": "15", "attachments": upload},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == l1_agent
    reply = ticket.messages.get(body="Estamos en ello.")
    assert reply.kind == MessageKind.REPLY
    assert reply.time_spent == timedelta(minutes=15)
    assert reply.attachments.get().filename == "log.txt"


def test_an_internal_note_from_the_composer(login, ticket, l1_agent):
    act(login(l1_agent.user), ticket, "compose", {"kind": "note", "body": "Mirar logs"})
    assert ticket.messages.get(body="Mirar logs").kind == MessageKind.NOTE


def test_escalation_without_reason_is_refused_next_to_the_field(login, ticket, l1_agent):
    response = act(login(l1_agent.user), ticket, "escalate", {"reason": "", "handover": "h"})
    form = response.context["forms"]["escalate"]
    assert form.errors["reason"]
    ticket.refresh_from_db()
    assert ticket.tier.level == 1


def test_a_domain_refusal_shows_at_its_field(login, ticket, l1_agent, tiers):
    # Escalating "up" to Level 1 is refused by the action itself, on the to_tier field.
    response = act(
        login(l1_agent.user),
        ticket,
        "escalate",
        {"to_tier": tiers[1].pk, "reason": "r", "handover": "h"},
    )
    assert "to_tier" in response.context["forms"]["escalate"].errors
    assert response.context["open_action"] == "escalate"


def test_escalate_to_level_2_with_reason_and_handover(login, ticket, l1_agent, teams):
    response = act(
        login(l1_agent.user),
        ticket,
        "escalate",
        {"reason": "Error desconocido", "handover": "Reinicié el cliente."},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.team) == (2, teams["Information Systems"])
    assert ticket.events.filter(kind=EventKind.ESCALATED, reason="Error desconocido").exists()


def test_a_stale_form_is_refused_not_applied(login, ticket, l1_agent, l1_colleague):
    client = login(l1_agent.user)
    page = client.get(reverse("desk:ticket", args=[ticket.pk]))
    seen_version = page.context["forms"]["resolve"]["version"].value()
    claim_ticket(ticket=ticket, by=l1_colleague.user)  # someone else acts meanwhile

    response = act(client, ticket, "resolve", {"summary": "Done", "version": seen_version})

    assert "changed by someone else" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED


def test_htmx_action_answers_with_the_ticket_fragment(login, ticket, l1_agent):
    response = act(login(l1_agent.user), ticket, "claim", {}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="ticket"')
    assert "<html" not in body
    assert "The ticket is yours." in body


def test_refer_to_vendor_shows_the_case_number(login, ticket, l2_is_agent, l1_agent, vendor):
    act(login(l1_agent.user), ticket, "escalate", {"reason": "r", "handover": "h"})
    client = login(l2_is_agent.user)
    act(client, ticket, "refer", {"vendor": vendor.pk, "reason": "Fallo del módulo"})
    act(client, ticket, "casenumber", {"case_number": "SR-88812"})

    body = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_VENDOR
    assert "SR-88812" in body
    assert "L4" in body


def test_an_agent_emails_the_vendor_of_a_referred_ticket(
    login, ticket, l2_is_agent, l1_agent, vendor
):
    from escala.mail.models import Outbox

    act(login(l1_agent.user), ticket, "escalate", {"reason": "r", "handover": "h"})
    client = login(l2_is_agent.user)
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "action-vendormail" not in page  # no vendor case yet: nothing to mail
    act(client, ticket, "refer", {"vendor": vendor.pk, "reason": "Fallo del módulo"})
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "action-vendormail" in page

    response = act(client, ticket, "vendormail", {"body": "Adjuntamos el registro del cierre."})
    assert response.status_code == 302
    sent = Outbox.objects.get(kind="vendor")
    assert sent.to == "support@erp-vendor.example"
    assert "Adjuntamos el registro del cierre." in sent.body
    assert ticket.messages.filter(kind=MessageKind.NOTE, body__contains="Adjuntamos").exists()


def test_an_empty_mail_to_the_vendor_is_refused_at_the_field(
    login, ticket, l2_is_agent, l1_agent, vendor
):
    act(login(l1_agent.user), ticket, "escalate", {"reason": "r", "handover": "h"})
    client = login(l2_is_agent.user)
    act(client, ticket, "refer", {"vendor": vendor.pk, "reason": "Fallo del módulo"})
    response = act(client, ticket, "vendormail", {"body": "  "})
    assert response.status_code == 200
    assert 'id="action-vendormail" open' in response.content.decode()


def test_resolve_then_reopen(login, ticket, l1_agent):
    client = login(l1_agent.user)
    act(client, ticket, "resolve", {"summary": "Reinstalado el cliente"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    act(client, ticket, "reopen", {"reason": "Vuelve a fallar"})
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED


def test_merge_and_link(login, frozen_clock, ticket, l1_agent, employee, categories):
    dup = open_ticket(employee, category=categories["erp"], subject="Otra vez el ERP")
    other = open_ticket(employee, category=categories["erp"], subject="Relacionado")
    client = login(l1_agent.user)

    act(client, ticket, "link", {"target": other.reference, "kind": "related"})
    response = act(client, dup, "merge", {"target": f" esc {ticket.pk} "})

    assert TicketLink.objects.filter(source=ticket, target=other).exists()
    dup.refresh_from_db()
    assert dup.merged_into == ticket
    assert response.url == reverse("desk:ticket", args=[ticket.pk])
    merged = client.get(reverse("desk:ticket", args=[dup.pk])).text
    assert "This ticket was merged into" in merged
    assert f'<a href="{reverse("desk:ticket", args=[ticket.pk])}">{ticket.reference}</a>' in merged


def test_merge_target_outside_sight_is_refused_at_the_field(
    login, ticket, l1_agent, frozen_clock, employee, categories
):
    hidden = open_ticket(employee, category=categories["database"])
    response = act(login(l1_agent.user), ticket, "merge", {"target": hidden.reference})
    assert response.context["forms"]["merge"].errors["target"]


def _ticket_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(ticket, agent, n):
    for i in range(n):
        upload = SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain")
        if i % 2:
            add_note(ticket=ticket, by=agent.user, body=f"note {i}", attachments=[upload])
        else:
            add_reply(ticket=ticket, by=agent.user, body=f"reply {i}", attachments=[upload])


def test_ticket_page_queries_do_not_grow_with_the_thread(
    login, frozen_clock, l1_agent, employee, categories
):
    short = open_ticket(employee, category=categories["erp"], subject="short")
    long = open_ticket(employee, category=categories["erp"], subject="long")
    _grow(short, l1_agent, 5)
    _grow(long, l1_agent, 50)
    assert Message.objects.filter(ticket=long).count() == 51
    client = login(l1_agent.user)
    _ticket_queries(client, short)  # warm-up
    assert _ticket_queries(client, short) == _ticket_queries(client, long)


def test_the_escalate_form_offers_only_higher_levels_and_de_escalate_only_lower(
    login, frozen_clock, l2_network_agent, tiers, employee, categories
):
    from escala.tickets.actions import escalate_ticket

    ticket = open_ticket(employee, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=None, to_tier=tiers[2], reason="r", handover="h")
    response = login(l2_network_agent.user).get(reverse("desk:ticket", args=[ticket.pk]))
    forms = response.context["forms"]
    up = [str(label) for value, label in forms["escalate"].fields["to_tier"].choices if value]
    down = [str(label) for value, label in forms["deescalate"].fields["to_tier"].choices if value]
    assert up == [tiers[3].name]
    assert down == [tiers[1].name]
    up_teams = [v for v, _label in forms["escalate"].fields["to_team"].choices if v]
    assert up_teams
    assert all(Team.objects.get(pk=pk).tier.level == 3 for pk in up_teams)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Write a ticket reference such as HD-000123."), ("es", "como HD-000123.")],
)
def test_a_bad_merge_target_is_explained_with_the_sites_own_prefix(
    login, ticket, l1_agent, settings, lang, words
):
    settings.ESCALA_TICKET_PREFIX = "HD"
    client = login(l1_agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = act(client, ticket, "merge", {"target": "el de ayer"})
    form = response.context["forms"]["merge"]
    assert any(words in error for error in form.errors["target"])
    assert "HD-000123" in str(form["target"].help_text)
    assert "ESC-" not in " ".join(form.errors["target"]) + str(form["target"].help_text)
