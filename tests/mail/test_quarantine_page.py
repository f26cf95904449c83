"""Agents (not only admins) see the quarantine and decide what each held mail becomes."""

import pytest
from django.urls import reverse

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.tickets.models import Ticket

from .conftest import compose

pytestmark = pytest.mark.django_db


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
