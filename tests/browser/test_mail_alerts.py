"""An admin follows the console's Mail link to the mail alerts (acknowledgements held back for a
sender, a bouncing address), marks one handled, and clears a bouncing address from the ticket
page, where the bounce shows in the history. Drives Debian's chromium through Playwright."""

import pytest
from playwright.sync_api import expect

from escala.mail import ingest
from escala.mail.models import BouncedAddress, MailAlert, Outbox
from tests.mail.conftest import compose
from tests.mail.test_bounces import standard_dsn

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    settings.ESCALA_MAIL_SENDER_POLICY = "lenient"  # who may act is not the subject here


def _sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.locator("form [type=submit]").last.click()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", {"mail": "Correo", "alerts": "Alertas de correo y direcciones que rebotan",
                "handled": "Marcar como atendida",
                "sender": "Acuses de recibo retenidos para un remitente",
                "bounces": "El correo rebota", "works": "La dirección vuelve a funcionar",
                "event": "Notificación rebotada", "badge": "1 alerta"}),
        ("en", {"mail": "Mail", "alerts": "Mail alerts and bouncing addresses",
                "handled": "Mark as handled", "sender": "Acknowledgements held back for a sender",
                "bounces": "Mail bounces", "works": "The address works again",
                "event": "Notification bounced", "badge": "1 alert"}),
    ],
)  # fmt: skip
def test_an_admin_reaches_the_mail_alerts_and_clears_a_bounce(
    new_page, shoot, customer, l1_agent, language, words
):
    first = ingest.ingest(compose(sender=customer.email, subject="La VPN no conecta"))
    ingest.ingest(compose(sender=customer.email, subject="Y tampoco el correo"))  # no 2nd receipt
    receipt = Outbox.objects.get(ticket=first.ticket, kind="received")
    ingest.ingest(standard_dsn(receipt), envelope_from="<>")
    assert MailAlert.objects.count() == 1
    user = l1_agent.user
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    l1_agent.language = language
    l1_agent.save(update_fields=["language"])

    page = new_page()
    _sign_in(page, user)
    page.goto("/desk/")
    nav = page.locator(".mainnav").get_by_role("link", name=words["mail"])
    assert words["badge"] in nav.inner_text()
    nav.click()
    page.get_by_role("link", name=words["alerts"]).click()
    row = page.locator("table.mail-alerts tbody tr", has_text=customer.email)
    assert words["sender"] in row.inner_text()
    assert row.locator("td").nth(2).inner_text() == "1"  # one receipt held back
    assert page.locator("table.mail-bounces", has_text=customer.email).is_visible()
    shoot(page, f"mail-alerts-{language}")
    row.get_by_role("button", name=words["handled"]).click()
    expect(page.locator("table.mail-alerts tbody tr", has_text=customer.email)).to_have_count(0)
    assert MailAlert.objects.get().resolved_by == user

    page.locator("table.mail-bounces").get_by_role("link", name=first.ticket.reference).click()
    expect(page.locator(".bounce-mark", has_text=words["bounces"])).to_be_visible()
    expect(page.locator(".timeline", has_text=words["event"])).to_be_visible()
    shoot(page, f"mail-bounce-ticket-{language}")
    page.locator(".bounce-mark").get_by_role("button", name=words["works"]).click()
    expect(page.locator(".bounce-mark")).to_have_count(0)
    assert not BouncedAddress.objects.exists()
