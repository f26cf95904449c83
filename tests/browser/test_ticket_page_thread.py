"""The ticket page drawn from its plain-values thread: an agent goes from the queue to a ticket
with replies, notes and files, sees every message, file and history line in their language, and
downloads a file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escala.tickets.actions import add_note, add_reply, change_status
from escala.tickets.choices import Status
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.browser


def _signed_in(new_page, agent):
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", agent.user.username)
    page.fill("input[name=password]", "pw")
    page.locator("form [type=submit]").last.click()
    return page


@pytest.mark.parametrize(
    ("language", "note", "files", "history"),
    [
        ("en", "Internal note", "Attachments", "History"),
        ("es", "Nota interna", "Adjuntos", "Historial"),
    ],
)
def test_the_agent_reads_the_whole_thread_and_downloads_a_file(
    new_page, shoot, l1_agent, employee, categories, language, note, files, history
):
    ticket = open_ticket(employee, category=categories["erp"], subject="El cierre de mes falla")
    add_reply(ticket=ticket, by=l1_agent.user, body="¿Qué error aparece?\nEnvíe una captura.")
    upload = SimpleUploadedFile("traza-erp.txt", b"ERROR 42\n" * 50, content_type="text/plain")
    add_note(ticket=ticket, by=l1_agent.user, body="Revisar el job nocturno.", attachments=[upload])
    change_status(ticket=ticket.pk, by=l1_agent.user, to=Status.PENDING_CUSTOMER, reason="captura")
    l1_agent.language = language
    l1_agent.save(update_fields=["language"])

    page = _signed_in(new_page, l1_agent)
    page.goto("/desk/?queue=all")
    page.get_by_role("link", name=ticket.subject).first.click()
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    thread = page.locator("ol.thread > li")
    assert thread.count() == 3
    assert "Envíe una captura." in thread.nth(1).locator(".msg-body").inner_text()
    assert thread.nth(2).locator(".msg-kind").text_content() == note  # (shown in capitals)
    attachments = thread.nth(2).locator("ul.attachments")
    assert attachments.get_attribute("aria-label") == files
    assert page.locator("#history-title").text_content() == history
    assert "“captura”" in page.locator("ol.timeline").inner_text()
    shoot(page, f"ticket-page-thread-{language}")
    with page.expect_download() as download:
        attachments.get_by_role("link", name="traza-erp.txt").click()
    assert download.value.suggested_filename == "traza-erp.txt"
