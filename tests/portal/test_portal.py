"""The requester portal: asking for help, following it in plain words, and nothing more."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from escala.tickets.actions import (
    add_note,
    add_reply,
    claim_ticket,
    escalate_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import Status
from escala.tickets.models import Attachment, Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_root_sends_agents_to_the_console(login, l1_agent):
    response = login(l1_agent.user).get("/")
    assert response.status_code == 302
    assert response.url == reverse("desk:queue")


def test_root_needs_a_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_requester_submits_a_request_with_an_attachment(login, employee, categories):
    upload = SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png")
    response = login(employee.user).post(
        reverse("portal:new_request"),
        {
            "category": categories["password"].pk,
            "subject": "No puedo entrar",
            "description": "Olvidé mi contraseña",
            "attachments": upload,
        },
    )
    ticket = Ticket.objects.get(subject="No puedo entrar")
    assert response.url == reverse("portal:ticket", args=[ticket.pk])
    assert ticket.requester == employee
    assert ticket.messages.get().attachments.get().filename == "screen.png"


def test_a_forbidden_file_type_is_refused_at_the_field(login, employee):
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")
    response = login(employee.user).post(
        reverse("portal:new_request"),
        {"subject": "s", "description": "d", "attachments": upload},
    )
    assert response.context["form"].errors["attachments"]
    assert not Ticket.objects.exists()


def test_requesters_see_only_their_own_requests(login, frozen_clock, customer, customer_colleague):
    mine = open_ticket(customer, subject="Mine")
    open_ticket(customer_colleague, subject="Colleague's")
    response = login(customer.user).get("/")
    assert [row[0] for row in response.context["rows"]] == [mine]


def test_a_manager_sees_the_organization(
    login, frozen_clock, customer, customer_colleague, customer_manager
):
    open_ticket(customer, subject="One")
    open_ticket(customer_colleague, subject="Two")
    response = login(customer_manager.user).get("/")
    assert {row[0].subject for row in response.context["rows"]} == {"One", "Two"}


def test_another_requesters_ticket_is_not_found(login, frozen_clock, customer, customer_colleague):
    theirs = open_ticket(customer_colleague)
    client = login(customer.user)
    assert client.get(reverse("portal:ticket", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("portal:action", args=[theirs.pk, "reply"]),
        {"reply-body": "hi", "reply-version": theirs.version},
    )
    assert response.status_code == 404
    assert theirs.messages.count() == 1


def test_another_requesters_attachment_is_not_found(
    login, frozen_clock, customer, customer_colleague, settings, tmp_path
):
    upload = SimpleUploadedFile("secret.pdf", b"%PDF-1.4", content_type="application/pdf")
    theirs = open_ticket(customer_colleague, attachments=[upload])
    attachment = Attachment.objects.get(message__ticket=theirs)
    assert login(customer.user).get(reverse("attachment", args=[attachment.pk])).status_code == 404


def test_attachments_are_served_as_downloads_with_safe_headers(login, frozen_clock, customer):
    upload = SimpleUploadedFile("page.txt", b"<script>alert(1)</script>", content_type="text/plain")
    ticket = open_ticket(customer, attachments=[upload])
    attachment = Attachment.objects.get(message__ticket=ticket)

    response = login(customer.user).get(reverse("attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_internal_notes_and_their_files_never_reach_the_requester(
    login, frozen_clock, employee, l1_agent, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    note_file = SimpleUploadedFile("internal.txt", b"x", content_type="text/plain")
    add_note(ticket=ticket, by=l1_agent.user, body="Internal gossip", attachments=[note_file])
    add_reply(ticket=ticket, by=l1_agent.user, body="Public answer")
    client = login(employee.user)

    body = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    note_attachment = Attachment.objects.get(filename="internal.txt")

    assert "Public answer" in body
    assert "Internal gossip" not in body
    assert "internal.txt" not in body
    assert client.get(reverse("attachment", args=[note_attachment.pk])).status_code == 404


def test_user_text_is_escaped(login, frozen_clock, employee):
    ticket = open_ticket(employee, subject="<b>bold</b>", body="<script>alert('x')</script>")
    body = login(employee.user).get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


def test_where_the_ticket_is_in_plain_words(
    login, frozen_clock, employee, l1_agent, l2_is_agent, vendor, categories
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(employee.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="r", handover="h")
    page = client.get(reverse("portal:ticket", args=[ticket.pk]))
    assert "with our Level 2 specialists" in page.content.decode()

    claim_ticket(ticket=ticket, by=l2_is_agent.user)
    refer_to_vendor(ticket=ticket, by=l2_is_agent.user, vendor=vendor, reason="r")
    page = client.get(reverse("portal:ticket", args=[ticket.pk]))
    assert "waiting for the manufacturer" in page.content.decode()


def test_reply_close_and_reopen(login, frozen_clock, employee, l1_agent, categories):
    ticket = open_ticket(employee, category=categories["password"])
    client = login(employee.user)

    client.post(
        reverse("portal:action", args=[ticket.pk, "reply"]),
        {"reply-body": "Más detalles", "reply-version": ticket.version},
    )
    assert ticket.messages.filter(body="Más detalles").exists()

    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Contraseña restablecida")
    ticket.refresh_from_db()
    page = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "Contraseña restablecida" in page
    client.post(
        reverse("portal:action", args=[ticket.pk, "reopen"]),
        {"reopen-reason": "Sigue sin funcionar", "reopen-version": ticket.version},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED

    client.post(
        reverse("portal:action", args=[ticket.pk, "close"]),
        {"close-reason": "", "close-version": ticket.version},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_reopen_without_a_reason_is_refused_at_the_field(
    login, frozen_clock, employee, l1_agent, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Hecho")
    ticket.refresh_from_db()
    response = login(employee.user).post(
        reverse("portal:action", args=[ticket.pk, "reopen"]),
        {"reopen-reason": "  ", "reopen-version": ticket.version},
    )
    assert response.context["reopen_form"].errors["reason"]


def test_forms_need_the_csrf_token(frozen_clock, employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    response = client.post(reverse("portal:new_request"), {"subject": "s", "description": "d"})
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_language_switch_is_remembered_for_the_next_sign_in(employee):
    client = Client()
    client.force_login(employee.user)
    response = client.post(reverse("set_language_remembered"), {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    employee.refresh_from_db()
    assert employee.language == "en"

    fresh = Client()
    response = fresh.post(reverse("login"), {"username": "marta", "password": "pw"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = fresh.get("/")
    assert "My requests" in page.content.decode()


def test_language_switch_refuses_to_redirect_off_site(employee):
    client = Client()
    response = client.post(
        reverse("set_language_remembered"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_pages_speak_spanish_with_localized_dates(login, frozen_clock, employee):
    ticket = open_ticket(employee)
    client = login(employee.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    home = client.get("/").content.decode()
    page = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "Mis solicitudes" in home
    assert "Dónde está:" in page
    assert "2 de marzo de 2026" in page  # the frozen clock's day, written the Spanish way


def test_console_speaks_spanish(login, frozen_clock, employee, l1_agent, categories):
    ticket = open_ticket(employee, category=categories["password"])
    client = login(l1_agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Recorrido por niveles" in page
    assert ">Nuevo</span>" in page  # the status badge: a domain label, from the tickets catalogue


def test_a_resolved_request_asks_one_question_and_offers_the_survey(
    login, frozen_clock, employee, l1_agent, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Contraseña restablecida")
    page = login(employee.user).get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "Did this solve it?" in page
    assert "No, it still fails" in page
    assert "/survey/" in page
    assert reverse("portal:action", args=[ticket.pk, "reply"]) not in page
    assert reverse("portal:action", args=[ticket.pk, "close"]) not in page


def test_yes_it_is_solved_closes_the_request_and_goes_on_to_the_survey(
    login, frozen_clock, employee, l1_agent, categories
):
    ticket = open_ticket(employee, category=categories["password"])
    resolved = resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Hecho")
    response = login(employee.user).post(
        reverse("portal:action", args=[ticket.pk, "confirm"]),
        {"confirm-version": resolved.version},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert response.url.startswith("/survey/")
    survey_page = login(employee.user).get(response.url)
    assert survey_page.status_code == 200


def test_an_open_request_cannot_be_confirmed_as_solved(login, frozen_clock, employee):
    ticket = open_ticket(employee)
    response = login(employee.user).post(
        reverse("portal:action", args=[ticket.pk, "confirm"]),
        {"confirm-version": ticket.version},
    )
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED
    assert response.status_code == 200
