"""A reply by mail shows only its new text on the ticket; the agent clicks through to the whole
mail (quoted history included), in English and in Spanish."""

import pytest
from playwright.sync_api import expect

from escala.mail import ingest, thread_match
from escala.mail.models import ThreadId
from tests.mail.conftest import compose

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _quiet_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ESCALA_MAIL_ADDRESS = "soporte@escala.example"
    settings.ESCALA_MAIL_SENDER_POLICY = "lenient"  # who may act is not the subject here
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _signed_in(new_page, agent):
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", agent.user.username)
    page.fill("input[name=password]", "pw")
    page.locator("form [type=submit]").last.click()
    return page


@pytest.mark.parametrize(("language", "link"), [("en", "Whole mail"), ("es", "Correo completo")])
def test_the_agent_reaches_the_whole_mail_from_the_stripped_reply(
    new_page, shoot, customer, supervisor, language, link
):
    first = ingest.ingest(compose(sender=f"{customer.name} <{customer.email}>"))
    ticket = first.ticket
    sent = ThreadId.objects.create(
        message_id=thread_match.new_message_id(), ticket=ticket, created_at=ticket.created_at
    ).message_id
    reply = ingest.ingest(
        compose(
            sender=customer.email,
            subject="Re: No funciona la impresora",
            body="Sigue sin imprimir.\n\nEl lun, 2 mar 2026 a las 9:15, Soporte Escala "
            "<soporte@escala.example> escribió:\n> ¿Puede reiniciarla?\n",
            in_reply_to=f"<{sent}>",
        )
    )
    assert reply.filed_message.body == "Sigue sin imprimir."

    supervisor.language = language
    supervisor.save(update_fields=["language"])
    page = _signed_in(new_page, supervisor)
    page.goto(f"/desk/tickets/{ticket.pk}/")
    message = page.locator(f"#m{reply.filed_message.pk}")
    assert message.locator(".msg-body").inner_text() == "Sigue sin imprimir."
    shoot(page, f"mail-whole-link-{language}")
    message.get_by_role("link", name=link).click()
    expect(page.locator("pre.pre-wrap")).to_contain_text("> ¿Puede reiniciarla?")
    shoot(page, f"mail-whole-mail-{language}")
    page.get_by_role("link", name=ticket.reference).click()  # and back to the ticket
    expect(page.locator(f"#m{reply.filed_message.pk}")).to_be_visible()
