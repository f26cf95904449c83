"""Subjects, names and other one-line fields never store a control character, whatever the
way in (API, portal form, mail, admin), so nothing stored can break a mail header later."""

import pytest
from django.test import Client
from django.urls import reverse

from escala.api.tokens import issue_token
from escala.core.inputs import one_line, parse_id
from escala.mail import delivery, ingest
from escala.mail.models import Outbox
from escala.tickets.actions import create_ticket, update_ticket_fields
from escala.tickets.choices import Channel
from escala.tickets.models import Ticket
from escala.tiers.models import Vendor


@pytest.mark.parametrize(
    ("raw", "flat"),
    [
        ("Printer\r\nBcc: victim@example.com", "Printer Bcc: victim@example.com"),
        ("a\tb", "a b"),
        ("\x00\x1b[31mred\x07", "[31mred"),
        ("line\u2028separator", "line separator"),
        ("  spaced \n ", "spaced"),
        ("Ñandú “fino”", "Ñandú “fino”"),
        ("", ""),
    ],
)
def test_one_line_flattens_control_characters(raw, flat):
    assert one_line(raw) == flat


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("9" * 30, None),
        ("²", None),
        ("1e3", None),
    ],
)
def test_parse_id_never_raises_and_stays_in_range(raw, value):
    assert parse_id(raw) == value


@pytest.mark.django_db
def test_the_api_stores_a_subject_with_a_line_break_as_one_line_and_it_can_be_mailed(
    employee, settings
):
    settings.ESCALA_API_RATE_LIMIT = 0
    settings.ESCALA_MAIL_NOTIFY = True
    raw = issue_token(user=employee.user, by=None, name="t", scopes=["tickets:write"])[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(
        "/api/v1/tickets",
        {"subject": "Printer\r\nBcc: victim@example.com", "body": "It jams."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.subject == "Printer Bcc: victim@example.com"
    receipt = Outbox.objects.get(ticket=ticket, kind="received")
    assert receipt.subject.endswith("Printer Bcc: victim@example.com")
    assert delivery.deliver(receipt.pk) == "sent"


@pytest.mark.django_db
def test_the_portal_form_flattens_the_subject(client, employee, categories):
    client.force_login(employee.user)
    client.post(
        reverse("portal:new_request"),
        {"category": categories["password"].pk, "subject": "No\r\npuedo", "description": "x"},
    )
    assert Ticket.objects.get().subject == "No puedo"


@pytest.mark.django_db
def test_an_action_and_a_field_change_flatten_the_subject(employee, l1_agent):
    ticket = create_ticket(
        requester=employee, subject="A\nB", body="x", channel=Channel.PHONE, by=l1_agent.user
    )
    assert ticket.subject == "A B"
    update_ticket_fields(ticket=ticket, by=l1_agent.user, subject="C\r\n\tD")
    ticket.refresh_from_db()
    assert ticket.subject == "C D"


@pytest.mark.django_db
def test_a_mail_with_a_folded_encoded_line_break_in_its_subject_and_name(settings, employee):
    settings.ESCALA_MAIL_ADDRESS = "soporte@escala.example"
    settings.ESCALA_MAIL_STRANGER_REPLY = "new_ticket"
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = []
    raw = (
        b"From: =?utf-8?q?Eve=0D=0ABcc=3A_x=40y=2Eexample?= <eve@stranger.example>\r\n"
        b"To: soporte@escala.example\r\n"
        b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Ecom?=\r\n"
        b"Message-ID: <one-line@client.example>\r\n"
        b"Date: Mon, 02 Mar 2026 09:30:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"The printer jams.\r\n"
    )
    filed = ingest.ingest(raw)
    # Stored (and, once the sender is trusted, filed) as one line.
    assert filed.subject == "Hello Bcc: victim@example.com"
    if filed.ticket is not None:
        assert filed.ticket.subject == "Hello Bcc: victim@example.com"
        assert "\n" not in filed.ticket.requester.name


@pytest.mark.django_db
def test_the_admin_flattens_a_vendor_name(client, admin_user, vendor):
    client.force_login(admin_user)
    url = reverse("admin:tiers_vendor_change", args=[vendor.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        k: v
        for k, v in page.context["adminform"].form.initial.items()
        if v is not None and not isinstance(v, list | dict)
    }
    data.update(name="Acme\r\nBcc: x@y.example", support_email=vendor.support_email)
    client.post(url, data)
    # Whether the admin accepted the rest of the form or not, no line break was stored.
    assert "\n" not in Vendor.objects.get(pk=vendor.pk).name
    vendor.name = "Direct\nsave"
    vendor.save()
    assert Vendor.objects.get(pk=vendor.pk).name == "Direct save"
