"""The console's reply box and keyboard shortcuts in a real browser, in Spanish and in English
(issue #18, part 5): a Level 1 agent moves through her queue with j/k, opens the `?` help,
writes Markdown and previews it, pastes a screenshot and drops a file (removing it again),
inserts a shared canned reply, and sends with "Send and set pending"; the reply shows rendered
with its attachment and the ticket waits for the requester."""

import re

import pytest
from playwright.sync_api import expect

from escala.desk import actions as desk_actions
from escala.people.models import Agent, Requester
from escala.tickets.choices import BodyFormat, MessageKind, Status
from escala.tickets.models import Ticket
from tests.browser.pages import sign_in
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "teams": "Mis equipos",
        "shortcuts": "Atajos de teclado",
        "next": "Ticket siguiente de la cola actual",
        "preview": "Vista previa",
        "write": "Escribir",
        "canned": "Respuesta predefinida",
        "pending": "Enviar y dejar pendiente",
        "sent": "Enviado. El ticket queda a la espera del solicitante.",
        "status": "Pendiente",
        "last": "Este es el último ticket de la cola.",
        "settings": "Mis ajustes de respuesta",
        "canned_text": "Gracias, Marta. Lo revisamos hoy mismo.",
        "canned_menu": "Respuestas predefinidas",
        "attach": "Adjuntar archivos",
    },
    "en": {
        "teams": "My teams",
        "shortcuts": "Keyboard shortcuts",
        "next": "Next ticket in the current queue",
        "preview": "Preview",
        "write": "Write",
        "canned": "Canned reply",
        "pending": "Send and set pending",
        "sent": "Sent. The ticket now waits for the requester.",
        "status": "Pending",
        "last": "This is the last ticket of the queue.",
        "settings": "My reply settings",
        "canned_text": "Thank you, Marta. We are looking at it today.",
        "canned_menu": "Canned replies",
        "attach": "Attach files",
    },
}

# A 1×1 PNG, as a screenshot tool would put it on the clipboard.
PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)

PASTE = """([selector, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], "image.png", { type: "image/png" }));
  const target = document.querySelector(selector);
  target.focus();
  const init = { clipboardData: dt, bubbles: true, cancelable: true };
  target.dispatchEvent(new ClipboardEvent("paste", init));
}"""

DROP = """([selector, name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, { type: "text/plain" }));
  const target = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    target.dispatchEvent(new DragEvent(type, init));
  }
}"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_reply_box_and_shortcuts(lang, new_page, shoot, employee, l1_agent, supervisor, categories):
    w = WORDS[lang]
    Agent.objects.filter(pk=l1_agent.pk).update(language=lang)
    Requester.objects.filter(pk=employee.pk).update(language=lang)
    subjects = ["Impresora atascada", "El ERP no cierra el mes", "Sin acceso a la VPN"]
    tickets = [open_ticket(employee, category=categories["erp"], subject=s) for s in subjects]
    desk_actions.save_canned_reply(
        by=supervisor.user,
        name="Revisión hoy",
        body_es="Gracias, {{ requester.name }}. Lo revisamos hoy mismo.",
        body_en="Thank you, {{ requester.name }}. We are looking at it today.",
        shared=True,
    )
    employee.name = "Marta"
    employee.save(update_fields=["name"])

    page = new_page()
    sign_in(page, "lucia")
    # The tab's name gains its open count once the first live poll answers: match the start.
    page.get_by_role("link", name=re.compile(f"^{w['teams']}")).click()
    page.wait_for_url("**/desk/?queue=teams")  # and loaded: the shortcuts are bound by then
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)
    order = [
        int(re.search(r"/desk/tickets/(\d+)/", href).group(1))
        for href in rows.locator("td.subject a").evaluate_all("els => els.map(e => e.href)")
    ]
    assert sorted(order) == sorted(t.pk for t in tickets)

    # `?` opens the help overlay, in the agent's language.
    page.keyboard.press("?")
    help_dialog = page.locator("#kb-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text(w["shortcuts"])
    expect(help_dialog).to_contain_text(w["next"])
    shoot(page, f"reply-box-shortcuts-help-{lang}")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # j, j, k moves the highlight; o opens the highlighted ticket.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.kb-current")).to_have_count(1)
    page.keyboard.press("o")
    page.wait_for_url(re.compile(f"/desk/tickets/{order[0]}/$"))
    # On the ticket page, j is the next ticket of the queue, k the previous one.
    page.keyboard.press("j")
    page.wait_for_url(re.compile(f"/desk/tickets/{order[1]}/$"))
    page.keyboard.press("n")
    page.wait_for_url(re.compile(f"/desk/tickets/{order[2]}/$"))
    page.keyboard.press("j")
    expect(page.locator("#kb-toast")).to_have_text(w["last"])
    page.keyboard.press("k")
    page.wait_for_url(re.compile(f"/desk/tickets/{order[1]}/$"))
    ticket = Ticket.objects.get(pk=order[1])

    # r puts her in the reply box; shortcuts stay quiet while she types.
    page.keyboard.press("r")
    body = page.locator("textarea[name='compose-body']")
    expect(body).to_be_focused()
    body.type("Hola. Pruebe **reiniciar** el cliente:\n\n- paso uno\n- paso dos\n\n¿j? ")
    expect(help_dialog).to_be_hidden()
    page.wait_for_url(re.compile(f"/desk/tickets/{order[1]}/$"))

    # The preview is the server's rendering.
    page.get_by_role("tab", name=w["preview"]).click()
    preview = page.locator("#rb-preview")
    expect(preview.locator("strong")).to_have_text("reiniciar")
    expect(preview.locator("li")).to_have_count(2)
    shoot(page, f"reply-box-preview-{lang}")
    page.get_by_role("tab", name=w["write"]).click()

    # A pasted screenshot and a dropped file become chips; the dropped one is removed again.
    page.evaluate(PASTE, ["textarea[name='compose-body']", PNG_BASE64])
    chips = page.locator(".rb-chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text(re.compile(r"screenshot-\d{4}-\d{2}-\d{2}-\d{4}\.png"))
    page.evaluate(DROP, ["textarea[name='compose-body']", "notas.txt", "apuntes"])
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("notas.txt")
    chips.nth(1).locator("button").click()
    expect(chips).to_have_count(1)
    # The picker adds to the chips instead of replacing them.
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=w["attach"], exact=True).click()
    chooser.value.set_files(
        files=[{"name": "registro.txt", "mimeType": "text/plain", "buffer": b"trace"}]
    )
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("registro.txt")

    # A shared canned reply, in the requester's language with the placeholders filled in.
    body.press("End")
    page.locator("summary", has_text=w["canned"]).click()
    page.locator(".rb-item", has_text="Revisión hoy").click()
    expect(body).to_have_value(re.compile(re.escape(w["canned_text"])))
    shoot(page, f"reply-box-composing-{lang}")

    page.get_by_role("button", name=w["pending"], exact=True).click()
    expect(page.locator(".flash").first).to_contain_text(w["sent"])
    reply = ticket.messages.filter(kind=MessageKind.REPLY, author_kind="agent").get()
    assert reply.body_format == BodyFormat.MARKDOWN
    assert w["canned_text"] in reply.body
    attachment, log = reply.attachments.order_by("pk")
    assert re.fullmatch(r"screenshot-\d{4}-\d{2}-\d{2}-\d{4}\.png", attachment.filename)
    assert log.filename == "registro.txt"
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_CUSTOMER

    shown = page.locator(f"#m{reply.pk}")
    expect(shown.locator("strong")).to_have_text("reiniciar")
    expect(shown.locator(".attachments")).to_contain_text(attachment.filename)
    expect(page.locator(".ticket-meta .badge").first).to_contain_text(w["status"])
    shoot(page, f"reply-box-sent-{lang}")

    # Her signature and canned replies are one click away in the user menu.
    page.get_by_role("link", name=w["settings"]).click()
    page.fill("#id_body", "Lucía · Nivel 1")
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".flash").first).to_be_visible()
    assert desk_actions.signature_of(l1_agent.user) == "Lucía · Nivel 1"
    shoot(page, f"reply-box-settings-{lang}")
    page.get_by_role("link", name=w["canned_menu"]).first.click()
    expect(page.locator(".canned-row")).to_contain_text("Revisión hoy")
    shoot(page, f"reply-box-canned-list-{lang}")
