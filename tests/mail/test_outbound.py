"""Notifications go out through a real SMTP server, thread in mail clients, and speak the
recipient's language. Level 4: agents mail the vendor and the vendor's answers come back."""

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.utils import translation

from escala.core import rows
from escala.core.errors import InvalidTransition
from escala.mail import delivery, ingest, outbound, thread_match
from escala.mail.choices import NotificationKind, OutboxStatus, Outcome
from escala.mail.models import Outbox, ThreadId
from escala.tickets.actions import (
    add_note,
    add_reply,
    escalate_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import AuthorKind, MessageKind

from .conftest import compose

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture
def real_smtp(settings, smtp_server):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 5},
        }
    }
    return smtp_server


def _send_all() -> list[str]:
    return [delivery.deliver(pk) for pk in delivery.due_outbox()]


def _mail_ticket(customer, capture, **kwargs):
    with capture(execute=True):
        return ingest.ingest(compose(sender=customer.email, **kwargs)).ticket


def test_the_requester_is_told_their_request_was_received_in_their_language(
    real_smtp, customer, django_capture_on_commit_callbacks
):
    customer.language = "en"
    customer.save()
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)

    assert _send_all() == ["sent"]
    sent = real_smtp.messages[0]
    assert sent["To"] == customer.email
    assert sent["Subject"] == f"[{ticket.reference}] No funciona la impresora"
    assert "We have received your request" in sent.get_content()
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Reply-To"] == thread_match.reply_address(ticket.pk, customer.email)
    # It answers the requester's own mail, so it threads with it in their client.
    first_id = ThreadId.objects.get(ticket=ticket, outgoing=False).message_id
    assert sent["In-Reply-To"] == f"<{first_id}>"
    assert Outbox.objects.get().status == OutboxStatus.SENT


def test_spanish_requesters_get_spanish_mail(
    real_smtp, employee, django_capture_on_commit_callbacks
):
    _mail_ticket(employee, django_capture_on_commit_callbacks)
    _send_all()
    assert "Hemos recibido su solicitud" in real_smtp.messages[0].get_content()


def test_an_agent_reply_is_mailed_and_the_answer_threads_back_into_the_ticket(
    real_smtp, customer, l1_agent, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        add_reply(ticket=ticket, by=l1_agent.user, body="¿Ha probado a reiniciarla?")
        add_note(ticket=ticket, by=l1_agent.user, body="Nota interna: no enviar")
    _send_all()
    agent_mail = real_smtp.messages[-1]
    assert "¿Ha probado a reiniciarla?" in agent_mail.get_content()
    assert "Nota interna" not in "".join(m.get_content() for m in real_smtp.messages)
    assert agent_mail["Auto-Submitted"] is None  # a person wrote it

    # The requester answers from a common client: In-Reply-To and References, no token.
    answer = compose(
        sender=customer.email,
        subject="Re: " + agent_mail["Subject"],
        body="Sí, y sigue igual.\n\nEl lun, 2 mar 2026, Soporte escribió:\n> ¿Ha probado?",
        in_reply_to=agent_mail["Message-ID"],
        references=agent_mail["References"] + " " + agent_mail["Message-ID"],
    )
    filed = ingest.ingest(answer)
    assert (filed.outcome, filed.ticket) == (Outcome.REPLY, ticket)
    assert filed.filed_message.body == "Sí, y sigue igual."


def test_escalation_is_mailed_to_the_receiving_team(
    real_smtp, employee, l1_agent, l2_is_agent, categories, django_capture_on_commit_callbacks
):
    l2_is_agent.language = "en"
    l2_is_agent.save()
    ticket = _mail_ticket(employee, django_capture_on_commit_callbacks)
    ticket.category = categories["erp"]
    ticket.save()
    with django_capture_on_commit_callbacks(execute=True):
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado todo")
    _send_all()
    to_team = [m for m in real_smtp.messages if m["To"] == l2_is_agent.user.email]
    assert len(to_team) == 1
    assert "has been escalated to Information Systems" in to_team[0].get_content()


def test_resolution_is_mailed_with_its_summary(
    real_smtp, customer, l1_agent, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Cambiado el tóner.")
    _send_all()
    assert "Cambiado el tóner." in real_smtp.messages[-1].get_content()
    assert Outbox.objects.filter(kind="resolved").count() == 1


def test_a_failing_mail_server_keeps_the_mail_for_a_later_retry(
    real_smtp, frozen_clock, customer, django_capture_on_commit_callbacks
):
    real_smtp.refuse = True
    _mail_ticket(customer, django_capture_on_commit_callbacks)
    assert _send_all() == ["failed"]
    row = Outbox.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "451" in row.last_error

    assert _send_all() == []  # not due yet: it backs off
    real_smtp.refuse = False
    frozen_clock.advance(minutes=2)
    assert _send_all() == ["sent"]
    assert len(real_smtp.messages) == 1


def test_a_notification_is_queued_once_per_event_and_recipient(
    customer, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    event = ticket.events.get(kind="created")
    outbound.notify(event)  # the signal delivered twice
    assert Outbox.objects.filter(kind="received").count() == 1


def test_agents_mail_the_vendor_and_the_vendor_answer_comes_back_as_an_internal_message(
    real_smtp, employee, supervisor, vendor, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(employee, django_capture_on_commit_callbacks, subject="Cierre ERP")
    refer_to_vendor(ticket=ticket, by=supervisor.user, vendor=vendor, reason="Bug del cierre")
    with django_capture_on_commit_callbacks(execute=True):
        outbound.email_vendor(ticket=ticket, by=supervisor.user, body="Please check the bug.")
    _send_all()
    to_vendor = next(m for m in real_smtp.messages if m["To"] == vendor.support_email)
    assert "Please check the bug." in to_vendor.get_content()
    assert ticket.reference in to_vendor.get_content()
    assert vendor.contract_reference in to_vendor.get_content()

    answer = compose(
        sender="Vendor Support <agent7@erp-vendor.example>",
        subject=f"RE: {to_vendor['Subject']} - Case #SR-55123 opened",
        body="We reproduced it.\n\n-----Original Message-----\nFrom: Escala\nSent: today\n",
        in_reply_to=to_vendor["Message-ID"],
    )
    filed = ingest.ingest(answer)

    assert (filed.outcome, filed.ticket) == (Outcome.VENDOR_MESSAGE, ticket)
    message = filed.filed_message
    assert (message.author_kind, message.kind) == (AuthorKind.VENDOR, MessageKind.NOTE)
    assert message.body == "We reproduced it."
    ticket.refresh_from_db()
    assert ticket.vendor_case_number == "SR-55123"


def test_a_vendor_answer_matched_only_by_its_case_number_still_threads(
    employee, supervisor, vendor
):
    ticket = ingest.ingest(compose(sender=employee.email)).ticket
    refer_to_vendor(
        ticket=ticket, by=supervisor.user, vendor=vendor, reason="x", case_number="SR-1234"
    )
    filed = ingest.ingest(
        compose(sender="otro@erp-vendor.example", subject="Update on case SR-1234")
    )
    assert (filed.outcome, filed.ticket) == (Outcome.VENDOR_MESSAGE, ticket)


def test_a_vendor_mail_about_no_open_case_is_held(vendor):
    filed = ingest.ingest(compose(sender="agent@erp-vendor.example", subject="Newsletter"))
    assert filed.outcome == Outcome.VENDOR_UNMATCHED
    assert filed.status == "quarantined"


def test_only_a_ticket_with_an_open_vendor_case_can_mail_a_vendor(employee, supervisor):
    ticket = ingest.ingest(compose(sender=employee.email)).ticket
    with pytest.raises(InvalidTransition):
        outbound.email_vendor(ticket=ticket, by=supervisor.user, body="hola")
    assert not Outbox.objects.filter(kind="vendor").exists()
    assert not django_mail.outbox


def test_a_status_change_is_mailed_in_the_requesters_language(
    real_smtp, customer, l1_agent, django_capture_on_commit_callbacks
):
    from escala.tickets.actions import change_status

    customer.language = "en"
    customer.save()
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(ticket=ticket, by=l1_agent.user, to="pending_customer", reason="Need logs")
    _send_all()
    status_mail = real_smtp.messages[-1]
    assert "is now “Pending customer”" in status_mail.get_content()
    assert "Need logs" in status_mail.get_content()


def test_the_worker_task_sends_the_mail_once_the_ticket_is_committed(
    settings, real_smtp, customer, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    _mail_ticket(customer, django_capture_on_commit_callbacks)
    assert len(real_smtp.messages) == 1
    assert Outbox.objects.get().status == OutboxStatus.SENT


# --- transactional outbox: the notification commits with the event ------------------------------


def test_the_notification_is_in_the_outbox_when_the_ticket_commits_even_if_no_listener_runs(
    customer, l1_agent, django_capture_on_commit_callbacks
):
    # execute=False: nothing runs after the commit, as when the process dies right after it.
    with django_capture_on_commit_callbacks(execute=False):
        ticket = ingest.ingest(compose(sender=customer.email)).ticket
        add_reply(ticket=ticket, by=l1_agent.user, body="Reinicie la impresora.")
    kinds = sorted(Outbox.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["agent_reply", "received"]
    # The worker's periodic drain sends what no task was enqueued for.
    assert delivery.drain() == ["sent", "sent"]


def test_a_rolled_back_action_leaves_no_notification(customer, l1_agent):
    ticket = ingest.ingest(compose(sender=customer.email)).ticket
    before = Outbox.objects.count()

    def failing_action():
        with transaction.atomic():
            add_reply(ticket=ticket, by=l1_agent.user, body="Esto no llega a guardarse.")
            raise RuntimeError("the action fails after its event")

    with pytest.raises(RuntimeError):
        failing_action()
    assert Outbox.objects.count() == before


def test_a_bug_in_the_notification_does_not_break_the_action(monkeypatch, customer, l1_agent):
    ticket = ingest.ingest(compose(sender=customer.email)).ticket

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(outbound, "_render", broken)
    message = add_reply(ticket=ticket, by=l1_agent.user, body="Reinicie la impresora.")
    assert message.pk is not None
    assert not Outbox.objects.filter(kind="agent_reply").exists()


def test_the_status_mail_says_the_new_status_and_the_resolution_mail_the_summary(
    real_smtp, customer, l1_agent, django_capture_on_commit_callbacks
):
    # The event is recorded before the ticket row changes: the mail must take both from it.
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Cambiado el tóner.")
    resolved = Outbox.objects.get(kind="resolved")
    assert "Cambiado el tóner." in resolved.body


def test_a_mail_queued_after_a_held_one_of_the_same_ticket_answers_it(customer):
    """Inside a mail batch the outbox and thread ids wait for its end; a second mail of the same
    ticket still threads under the first."""
    filed = ingest.ingest(compose(sender=customer.email))
    ticket = filed.ticket
    with transaction.atomic(), rows.buffered():
        first = outbound.queue_mail(
            ticket=ticket, kind=NotificationKind.STATUS_CHANGED, to=customer.email,
            subject="a", body="b", fresh=True,
        )  # fmt: skip
        second = outbound.queue_mail(
            ticket=ticket, kind=NotificationKind.RESOLVED, to=customer.email,
            subject="c", body="d", fresh=True,
        )  # fmt: skip
        assert first.pk is None  # held
    assert second.in_reply_to == f"<{first.message_id}>"
    assert f"<{first.message_id}>" in second.references
    assert ThreadId.objects.filter(message_id=second.message_id, ticket=ticket).exists()


def test_the_resolution_mail_carries_the_signed_survey_link(
    real_smtp, customer, l1_agent, django_capture_on_commit_callbacks, settings
):
    from escala.surveys.actions import survey_for_token
    from escala.surveys.models import Survey

    settings.ESCALA_SITE_URL = "https://help.example.com"
    ticket = _mail_ticket(customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Cambiado el tóner.")
    _send_all()
    body = real_smtp.messages[-1].get_content()
    link = next(line for line in body.splitlines() if "/survey/" in line).strip()
    assert link.startswith("https://help.example.com/survey/")
    token = link.rsplit("/survey/", 1)[1].strip("/")
    assert survey_for_token(token) == Survey.objects.get(ticket=ticket)


def test_the_vendor_mail_goes_to_the_contact_typed_at_referral(
    real_smtp, employee, supervisor, vendor, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(employee, django_capture_on_commit_callbacks, subject="Cierre ERP")
    refer_to_vendor(
        ticket=ticket,
        by=supervisor.user,
        vendor=vendor,
        reason="Bug del cierre",
        contact="Ana Ruiz <ana.ruiz@erp-vendor.example>",
        case_number="SR-1",
    )
    with django_capture_on_commit_callbacks(execute=True), translation.override("es"):
        outbound.email_vendor(ticket=ticket, by=supervisor.user, body="Revisen el fallo.")
    _send_all()
    sent = real_smtp.messages[-1]
    assert sent["To"] == "ana.ruiz@erp-vendor.example"
    assert "(caso SR-1)" in sent["Subject"]


def test_a_contact_that_is_no_address_leaves_the_vendors_support_address(
    real_smtp, employee, supervisor, vendor, django_capture_on_commit_callbacks
):
    ticket = _mail_ticket(employee, django_capture_on_commit_callbacks, subject="Cierre ERP")
    refer_to_vendor(
        ticket=ticket, by=supervisor.user, vendor=vendor, reason="Bug", contact="Ana, ext. 204"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbound.email_vendor(ticket=ticket, by=supervisor.user, body="Please check.")
    _send_all()
    assert real_smtp.messages[-1]["To"] == vendor.support_email
