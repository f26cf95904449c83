"""A forged-looking reply is held as "unverified sender"; an agent finds it from the console's
menu, reads why, releases it as the requester, and sees the verdict on the ticket's message,
in Spanish and in English."""

import pytest
from playwright.sync_api import expect

from escala.mail import authn, ingest
from escala.mail.choices import Outcome
from escala.people.models import Agent
from escala.tickets.actions import create_ticket
from tests.browser.pages import sign_in

from ..mail.conftest import compose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "menu": "Correo",
        "verdict": "Sin verificar",
        "release": "Liberar como",
        "decision": "Liberado como el remitente",
    },
    "en": {
        "menu": "Mail",
        "verdict": "Not verified",
        "release": "Release as",
        "decision": "Released as the sender",
    },
}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_agent_releases_a_mail_held_as_unverified_sender(
    lang, new_page, shoot, settings, customer, l1_agent
):
    settings.ESCALA_MAIL_SENDER_POLICY = "strict"
    w = WORDS[lang]
    Agent.objects.filter(pk=l1_agent.pk).update(language=lang)
    ticket = create_ticket(
        requester=customer, subject="La impresora", body="No imprime.", channel="email", by=None
    )
    with authn.resolver(lambda name: None):
        held = ingest.ingest(
            compose(sender=customer.email, subject=f"Re: [{ticket.reference}] sigue sin imprimir")
        )
    assert held.outcome == Outcome.UNVERIFIED_SENDER

    page = new_page()
    sign_in(page, l1_agent.user.username)
    page.click(f"nav >> text={w['menu']}")
    page.click("text=sigue sin imprimir")
    expect(page.locator(".mail-verdict strong")).to_have_text(w["verdict"])
    shoot(page, f"{lang}-mail-held-unverified")
    page.click(f"button:has-text('{w['release']}')")
    expect(page.locator("text=" + ticket.reference).first).to_be_visible()

    page.goto(f"/desk/tickets/{ticket.pk}/")
    check = page.locator(".msg-sender-check")
    expect(check).to_contain_text(w["verdict"])
    expect(check).to_contain_text(w["decision"])
    shoot(page, f"{lang}-mail-released-on-ticket")
