"""Agents (not only admins) see the quarantine and decide what each held mail becomes."""

import pytest
from django.urls import reverse

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.tickets.models import Ticket

from .conftest import compose

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture
def held(settings):
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = ["fibrarapida.example"]
    mail = ingest.ingest(compose(sender="alguien@desconocido.example", subject="Retenido"))
    assert mail.status == InboundStatus.QUARANTINED
    return mail


def test_an_agent_sees_the_quarantine_with_its_reasons(
    client, l1_agent, held, django_assert_max_num_queries
):
    for i in range(5):
        ingest.ingest(compose(sender=f"otro{i}@desconocido.example", subject=f"Retenido {i}"))
    client.force_login(l1_agent.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("mail:quarantine"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Retenido" in html
    assert "desconocido.example" in html


def test_requesters_cannot_see_the_quarantine(client, customer, held):
    client.force_login(customer.user)
    assert client.get(reverse("mail:quarantine")).status_code == 403
    assert client.get(reverse("mail:raw", args=[held.pk])).status_code == 403


def test_an_agent_files_a_held_mail_as_a_new_ticket(client, l1_agent, held):
    client.force_login(l1_agent.user)
    response = client.post(reverse("mail:act", args=[held.pk]), {"action": "new_ticket"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)
    assert Ticket.objects.get().requester.email == "alguien@desconocido.example"


def test_an_agent_dismisses_a_held_mail_and_it_is_kept_as_ignored(client, l1_agent, held):
    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "dismiss"})
    held.refresh_from_db()
    assert held.status == InboundStatus.IGNORED
    assert not Ticket.objects.exists()


def test_processing_again_after_the_rule_changed_files_the_mail(client, settings, l1_agent, held):
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = []
    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "retry"})
    held.refresh_from_db()
    assert held.status == InboundStatus.PROCESSED


def test_the_original_is_one_click_away_and_cannot_run_scripts(client, l1_agent, held):
    client.force_login(l1_agent.user)
    raw = client.get(reverse("mail:raw", args=[held.pk]))
    assert raw.content == bytes(held.raw)
    assert raw["Content-Type"].startswith("text/plain")
    assert "sandbox" in raw["Content-Security-Policy"]


def test_filed_mail_is_as_private_as_its_ticket(client, l2_db_specialist, customer):
    mail = ingest.ingest(compose(sender=customer.email))  # a Level 1 ticket
    client.force_login(l2_db_specialist.user)
    assert client.get(reverse("mail:raw", args=[mail.pk])).status_code == 404


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _mail_with_inline_image(sender: str) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "soporte@escala.example"
    msg["Subject"] = "Captura del error"
    msg["Message-ID"] = "<inline-1@client.example>"
    msg.set_content("Adjunto la captura.")
    msg.add_alternative(
        '<p>Adjunto la captura:</p><img src="cid:captura.1@client.example" alt="captura">'
        '<img src="cid:missing@client.example"><script>alert(1)</script>',
        subtype="html",
    )
    html_part = msg.get_payload()[1]
    html_part.add_related(
        PNG, maintype="image", subtype="png", cid="<captura.1@client.example>", filename="c.png"
    )
    return msg.as_bytes()


def test_inline_images_show_in_the_sanitized_mail_through_the_checked_attachment_url(
    client, l1_agent, customer
):
    mail = ingest.ingest(_mail_with_inline_image(customer.email))
    assert mail.outcome == Outcome.NEW_TICKET
    attachment = mail.filed_message.attachments.get()
    url = reverse("attachment", args=[attachment.pk])
    assert f'src="{url}"' in mail.body_html
    assert "cid:" not in mail.body_html  # an unknown cid loses its src
    assert "<script" not in mail.body_html

    client.force_login(l1_agent.user)
    page = client.get(reverse("mail:detail", args=[mail.pk]))
    assert f'<img src="{url}" alt="captura">' in page.content.decode()
    # The strict CSP allows images from the site itself, and nothing inline.
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self'" in csp
    assert "script-src 'self'" in csp
    image = client.get(url)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG


def test_the_inline_image_is_not_served_to_someone_who_cannot_see_the_ticket(
    client, customer, employee
):
    mail = ingest.ingest(_mail_with_inline_image(customer.email))
    attachment = mail.filed_message.attachments.get()
    client.force_login(employee.user)
    assert client.get(reverse("attachment", args=[attachment.pk])).status_code == 404
