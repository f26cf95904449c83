"""Data protection: export a requester's data, erase a requester, the retention policy, and the
admin actions and commands that reach them."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from escala.core import periodic
from escala.core.errors import Forbidden, ValidationFailed
from escala.mail import ingest
from escala.mail.models import InboundMail
from escala.notifications.models import Notification
from escala.privacy.actions import erase_requester
from escala.privacy.export import export_requester
from escala.privacy.models import AnonymizedTicket, PrivacyKind, PrivacyRecord
from escala.privacy.retention import apply_retention
from escala.tickets.actions import add_note, add_reply
from escala.tickets.choices import Status
from escala.tickets.models import Attachment, Message, Ticket, TicketEvent
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 informe de Marta\n" + bytes(range(256))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def history(employee, l1_agent, categories, django_capture_on_commit_callbacks):
    """Marta's ticket with her file, a public answer naming her, an internal note, and her mail."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(
            employee,
            subject="Marta Gómez no puede entrar",
            body=f"Soy Marta Gómez, mi correo es {employee.email}. El martes funcionaba.",
            category=categories["password"],
            attachments=[SimpleUploadedFile("informe.pdf", PDF, "application/pdf")],
        )
        add_reply(ticket=ticket, by=l1_agent.user, body="Hola Marta, ya puede entrar.")
        add_note(ticket=ticket, by=l1_agent.user, body="Nota interna: llamar a Marta mañana.")
    raw = (
        f"From: Marta Gómez <{employee.email}>\r\nSubject: Otra cosa\r\n"
        "Message-ID: <x1@example>\r\n\r\nHola, soy Marta.\r\n"
    ).encode()
    mail, _created = ingest.store(raw)
    return ticket, mail, raw


def test_export_holds_profile_tickets_public_conversation_files_and_raw_mail(
    history, employee, admin_user
):
    ticket, mail, raw = history
    out = io.BytesIO()
    summary = export_requester(requester=employee, by=admin_user, out=out, reason="REQ-1")
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    doc = json.loads(archive.read("requester.json"))
    assert doc["requester"]["email"] == employee.email
    assert doc["login"]["username"] == employee.user.username
    [exported] = doc["tickets"]
    assert exported["reference"] == ticket.reference
    bodies = [m["body"] for m in exported["messages"]]
    assert "Hola Marta, ya puede entrar." in bodies
    assert not any("Nota interna" in b for b in bodies)  # internal notes stay internal
    [attachment] = exported["messages"][0]["attachments"]
    assert archive.read(attachment["file"]) == PDF
    assert archive.read(f"mail/{mail.pk}.eml") == raw
    assert summary == {"tickets": 1, "files": 1, "raw_mails": 1}
    audit = PrivacyRecord.objects.get(kind=PrivacyKind.EXPORT)
    assert (audit.requester_id, audit.actor, audit.reason) == (employee.pk, admin_user, "REQ-1")


def test_only_administrators_export_or_erase(history, employee, l1_agent):
    with pytest.raises(Forbidden):
        export_requester(requester=employee, by=l1_agent.user, out=io.BytesIO())
    with pytest.raises(Forbidden):
        erase_requester(requester=employee, by=l1_agent.user, reason="x")
    assert not PrivacyRecord.objects.exists()


def test_erase_de_identifies_keeps_the_record_and_deletes_files(
    history, employee, admin_user, django_capture_on_commit_callbacks
):
    ticket, mail, _raw = history
    stored_file = Attachment.objects.get().file.name
    assert default_storage.exists(stored_file)
    messages_before = Message.objects.filter(ticket=ticket).count()
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(ValidationFailed):
        erase_requester(requester=employee, by=admin_user, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        audit = erase_requester(requester=employee, by=admin_user, reason="Solicitud SUP-7")

    employee.refresh_from_db()
    assert employee.name == f"erased-{employee.pk}"
    assert employee.email.endswith("@erased.invalid")
    user = employee.user
    user.refresh_from_db()
    assert not user.is_active
    assert not user.has_usable_password()
    assert "marta" not in user.username.lower()
    # The record stays: same messages and history, without her.
    assert Message.objects.filter(ticket=ticket).count() == messages_before
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    ticket.refresh_from_db()
    texts = [ticket.subject, *Message.objects.filter(ticket=ticket).values_list("body", flat=True)]
    texts += list(Message.objects.filter(ticket=ticket).values_list("author_name", flat=True))
    for event in TicketEvent.objects.filter(ticket=ticket):
        texts += [event.actor_name, event.old_value, event.new_value, event.reason]
    joined = "\n".join(texts)
    assert "Marta" not in joined
    assert "Gómez" not in joined
    assert "marta@" not in joined
    assert "El martes funcionaba" in joined  # only whole words that name her are removed
    assert "Hola [***], ya puede entrar." in joined
    # Her file and her raw mail are gone.
    assert not Attachment.objects.exists()
    assert not default_storage.exists(stored_file)
    mail.refresh_from_db()
    assert bytes(mail.raw) == b""
    assert "Marta" not in mail.sender
    assert audit.kind == PrivacyKind.ERASE
    assert audit.requester_id == employee.pk
    assert audit.details["attachments_deleted"] == 1
    assert audit.details["raw_mails_emptied"] == 1
    # She can no longer sign in.
    assert not Client().login(username=user.username, password="pw")


def _note_to_colleague(committed, ticket, l1_agent):
    """An internal note naming Marta and mentioning Pablo: his notification quotes it."""
    with committed():
        add_note(ticket=ticket, by=l1_agent.user, body="@pablo Marta Gómez pide que la llamen.")
    [told] = Notification.objects.filter(ticket=ticket)
    assert "Marta" in told.params["excerpt"]
    return told


def test_erase_de_identifies_the_agents_notifications_too(
    history, committed, employee, l1_agent, l1_colleague, admin_user
):
    ticket, _mail, _raw = history
    told = _note_to_colleague(committed, ticket, l1_agent)
    erase_requester(requester=employee, by=admin_user, reason="Solicitud SUP-8")
    told.refresh_from_db()
    assert told.params["excerpt"] == "@pablo [***] pide que la llamen."


def test_retention_de_identifies_the_agents_notifications_too(
    history, committed, employee, l1_agent, l1_colleague, settings, frozen_clock
):
    settings.ESCALA_RETENTION_DAYS = 365
    settings.ESCALA_RETENTION_ACTION = "anonymize"
    ticket, _mail, _raw = history
    told = _note_to_colleague(committed, ticket, l1_agent)
    close_long_ago(ticket, frozen_clock, 400)
    assert apply_retention(frozen_clock())["tickets"] == 1
    told.refresh_from_db()
    assert "Marta" not in told.params["excerpt"]


def close_long_ago(ticket: Ticket, frozen_clock, days: int) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.CLOSED, closed_at=frozen_clock() - timedelta(days=days)
    )


@pytest.mark.parametrize("action", ["anonymize", "delete"])
def test_retention_applies_to_old_closed_tickets_only(
    history, employee, categories, settings, frozen_clock, action,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.ESCALA_RETENTION_DAYS = 365
    settings.ESCALA_RETENTION_ACTION = action
    old, _mail, _raw = history
    recent = open_ticket(employee, subject="Marta otra vez", category=categories["password"])
    close_long_ago(old, frozen_clock, 400)
    close_long_ago(recent, frozen_clock, 30)
    stored_file = Attachment.objects.get(message__ticket=old).file.name
    assert apply_retention(frozen_clock(), dry_run=True)["tickets"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_retention(frozen_clock())["tickets"] == 1
    assert not default_storage.exists(stored_file)
    recent.refresh_from_db()
    assert recent.requester_id == employee.pk  # untouched
    if action == "anonymize":
        old.refresh_from_db()
        assert old.requester_id != employee.pk
        assert old.requester.name == "anonymous"
        assert "Marta" not in old.subject
        assert not Message.objects.filter(ticket=old, body__contains="Marta").exists()
        assert AnonymizedTicket.objects.filter(ticket=old).exists()
    else:
        assert not Ticket.objects.filter(pk=old.pk).exists()
        assert not InboundMail.objects.filter(ticket_id=old.pk).exists()
    assert PrivacyRecord.objects.filter(ticket_id=old.pk).count() == 1
    assert apply_retention(frozen_clock())["tickets"] == 0  # done once


def test_retention_is_a_periodic_job_and_off_by_default(settings, frozen_clock):
    assert "privacy.retention" in [job.name for job in periodic.jobs()]
    settings.ESCALA_RETENTION_DAYS = 0
    assert apply_retention(frozen_clock())["tickets"] == 0


def test_commands_export_and_erase(history, employee, tmp_path):
    out = tmp_path / "marta.zip"
    call_command("privacy", "export", employee.email, "--output", str(out), stdout=io.StringIO())
    assert "requester.json" in zipfile.ZipFile(out).namelist()
    with pytest.raises(CommandError):
        call_command("privacy", "export", "nobody@example.com", "--output", str(out))
    call_command(
        "privacy", "erase", str(employee.pk), "--reason", "SUP-9", "--yes", stdout=io.StringIO()
    )
    employee.refresh_from_db()
    assert employee.name == f"erased-{employee.pk}"
    assert PrivacyRecord.objects.filter(kind=PrivacyKind.ERASE, reason="SUP-9").exists()


def test_admin_actions_export_and_erase_with_confirmation(history, employee, admin_user):
    client = Client()
    client.force_login(admin_user)
    url = "/admin/people/requester/"
    response = client.post(
        url, {"action": "export_personal_data", "_selected_action": [employee.pk]}
    )
    assert response["Content-Type"] == "application/zip"
    assert "requester.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    page = client.post(url, {"action": "erase_personal_data", "_selected_action": [employee.pk]})
    assert page.status_code == 200
    assert "No se puede deshacer." in page.content.decode()  # the admin speaks Spanish here
    employee.refresh_from_db()
    assert employee.name == "Marta Gómez"  # nothing yet: a confirmation first
    done = client.post(
        url,
        {"action": "erase_personal_data", "_selected_action": [employee.pk], "confirm": "yes",
         "reason": "SUP-11"},
    )  # fmt: skip
    assert done.status_code == 302
    employee.refresh_from_db()
    assert employee.name == f"erased-{employee.pk}"
    assert client.get("/admin/privacy/privacyrecord/").status_code == 200
