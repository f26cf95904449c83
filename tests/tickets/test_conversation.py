import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escala.core.errors import InvalidTransition, ValidationFailed
from escala.tickets.actions import (
    add_note,
    add_reply,
    add_vendor_message,
    change_status,
    claim_ticket,
    close_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import AuthorKind, EventKind, MessageKind, Status
from escala.tickets.models import Attachment, Message, Ticket, TicketEvent

from .factories import open_ticket

pytestmark = pytest.mark.django_db


def test_the_first_agent_reply_is_the_first_response(frozen_clock, categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    frozen_clock.advance(minutes=7)
    add_note(ticket=ticket, by=l1_agent.user, body="Verifico identidad por teléfono")
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None  # a note is not a response
    frozen_clock.advance(minutes=3)
    add_reply(ticket=ticket, by=l1_agent.user, body="Contraseña restablecida.")
    frozen_clock.advance(minutes=30)
    add_reply(ticket=ticket, by=l1_agent.user, body="¿Todo bien?")
    ticket.refresh_from_db()
    assert ticket.first_response_at == frozen_clock.current.replace(minute=10)
    assert ticket.status == Status.OPEN


def test_a_requester_reply_moves_a_pending_ticket_back_to_the_desk(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    change_status(ticket=ticket, by=l1_agent.user, to=Status.PENDING_CUSTOMER)
    add_reply(ticket=ticket, by=employee.user, body="Aquí tenéis la captura")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_a_requester_reply_reopens_a_resolved_ticket(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Restablecida")
    add_reply(ticket=ticket, by=employee.user, body="Sigue sin funcionar")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert ticket.resolved_at is None
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REOPENED).count() == 1


def test_nobody_replies_to_a_closed_ticket(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    close_ticket(ticket=ticket, by=employee.user)
    with pytest.raises(InvalidTransition):
        add_reply(ticket=ticket, by=employee.user, body="Hola")
    with pytest.raises(InvalidTransition):
        add_reply(ticket=ticket, by=l1_agent.user, body="Hola")


def test_notes_are_internal_and_replies_public(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    add_note(ticket=ticket, by=l1_agent.user, body="Usuario verificado")
    add_reply(ticket=ticket, by=l1_agent.user, body="Hecho")
    kinds = list(Message.objects.filter(ticket=ticket).values_list("kind", "author_kind"))
    assert kinds == [
        (MessageKind.REPLY, AuthorKind.REQUESTER),
        (MessageKind.NOTE, AuthorKind.AGENT),
        (MessageKind.REPLY, AuthorKind.AGENT),
    ]


def test_empty_messages_are_refused_with_the_field(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    for action in (add_reply, add_note):
        with pytest.raises(ValidationFailed) as refused:
            action(ticket=ticket, by=l1_agent.user, body="   ")
        assert refused.value.field == "body"


def test_time_spent_is_recorded_and_bounded(categories, employee, l1_agent):
    from datetime import timedelta

    ticket = open_ticket(employee, category=categories["password"])
    note = add_note(
        ticket=ticket, by=l1_agent.user, body="Llamada", time_spent=timedelta(minutes=12)
    )
    assert note.time_spent == timedelta(minutes=12)
    with pytest.raises(ValidationFailed) as refused:
        add_note(ticket=ticket, by=l1_agent.user, body="x", time_spent=timedelta(hours=-1))
    assert refused.value.field == "time_spent"


def test_vendor_messages_are_internal_by_default(categories, customer, l1_agent, vendor):
    ticket = open_ticket(customer, category=categories["connectivity"])
    refer_to_vendor(ticket=ticket, by=l1_agent.user, vendor=vendor, reason="Firmware")
    message = add_vendor_message(ticket=ticket, vendor=vendor, body="Case SR-1: working on it")
    assert (message.kind, message.author_kind, message.author_vendor) == (
        MessageKind.NOTE,
        AuthorKind.VENDOR,
        vendor,
    )


def test_attachments_are_stored_with_their_message(settings, tmp_path, categories, employee):
    settings.MEDIA_ROOT = tmp_path
    shot = SimpleUploadedFile("captura.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    ticket = open_ticket(employee, category=categories["password"], attachments=[shot])
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "captura.png",
        "image/png",
        108,
    )
    assert attachment.file.read().startswith(b"\x89PNG")


def test_oversized_attachments_are_refused_and_nothing_is_written(
    settings, tmp_path, categories, employee
):
    settings.MEDIA_ROOT = tmp_path
    settings.ESCALA_MAX_ATTACHMENT_BYTES = 1000
    big = SimpleUploadedFile("log.txt", b"x" * 1001, "text/plain")
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(employee, category=categories["password"], attachments=[big])
    assert refused.value.field == "attachments"
    assert not Ticket.objects.exists()
    assert not list(tmp_path.rglob("*.txt"))


@pytest.mark.parametrize(
    ("name", "declared"),
    [
        ("virus.exe", "application/octet-stream"),
        ("page.html", "text/html"),
        ("looks.png", "text/html"),  # a claimed type that disagrees with the name
        ("script.svg", "image/svg+xml"),
    ],
)
def test_dangerous_attachment_types_are_refused(categories, employee, name, declared):
    upload = SimpleUploadedFile(name, b"<script>alert(1)</script>", declared)
    with pytest.raises(ValidationFailed):
        open_ticket(employee, category=categories["password"], attachments=[upload])


def test_creation_validates_every_field(categories, employee):
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(employee, subject="")
    assert refused.value.field == "subject"
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(employee, subject="x" * 251)
    assert refused.value.field == "subject"
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(employee, body="")
    assert refused.value.field == "body"
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(employee, impact="enorme")
    assert refused.value.field == "impact"
    assert not Ticket.objects.exists()


def test_priority_comes_from_the_impact_urgency_matrix(categories, employee, l1_agent):
    from escala.tickets.actions import update_ticket_fields
    from escala.tiers.models import PriorityRule

    ticket = open_ticket(employee, impact="high", urgency="high")
    assert ticket.priority == "critical"
    PriorityRule.objects.filter(impact="low", urgency="low").update(priority="medium")
    ticket = update_ticket_fields(ticket=ticket, by=l1_agent.user, impact="low", urgency="low")
    assert ticket.priority == "medium"
    ticket = update_ticket_fields(ticket=ticket, by=l1_agent.user, priority="high")
    assert ticket.priority == "high"
    fields = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD_CHANGED).values_list(
            "field", "old_value", "new_value"
        )
    )
    assert fields == [
        ("impact", "high", "low"),
        ("urgency", "high", "low"),
        ("priority", "critical", "medium"),
        ("priority", "medium", "high"),
    ]
