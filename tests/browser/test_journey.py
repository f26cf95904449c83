"""The whole tiered journey in a real browser, in Spanish and in English:

a requester asks; Level 1 claims, answers and escalates with a reason; Level 2 refers the ticket
to the vendor and the vendor's case number shows; Level 2 resolves; the requester reads the
resolution and reopens.
"""

import re

import pytest
from playwright.sync_api import expect

from escala.people.models import Agent, Requester
from escala.tickets.choices import Status
from escala.tickets.models import Ticket
from tests.browser.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WORDS = {
    "es": {
        "my_requests": "Mis solicitudes",
        "received": "Recibida",
        "where_l1": "con nuestro equipo de primera línea",
        "where_vendor": "a la espera del fabricante",
        "claimed": "El ticket es tuyo.",
        "escalated": "El ticket se ha escalado.",
        "resolved": "Resuelta",
        "reopened": "Reabierta",
        "internal": "Nota interna",
    },
    "en": {
        "my_requests": "My requests",
        "received": "Received",
        "where_l1": "with our front-line support team",
        "where_vendor": "waiting for the manufacturer",
        "claimed": "The ticket is yours.",
        "escalated": "The ticket was escalated.",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "internal": "Internal note",
    },
}


def open_action(page, name: str) -> None:
    page.click(f"#action-{name} > summary")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_ticket_goes_from_requester_to_level_2_and_vendor_and_back(
    lang,
    new_page,
    shoot,
    tmp_path,
    employee,
    l1_agent,
    l2_is_agent,
    vendor,
    categories,
):
    w = WORDS[lang]
    Requester.objects.filter(pk=employee.pk).update(language=lang)
    Agent.objects.filter(pk__in=[l1_agent.pk, l2_is_agent.pk]).update(language=lang)
    screenshot = tmp_path / "pantallazo.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n fake image")

    # The requester asks for help from the portal.
    marta = new_page()
    sign_in(marta, "marta")
    expect(marta.locator("h1")).to_have_text(w["my_requests"])
    shoot(marta, f"{lang}-01-portal-home-empty")
    marta.click("a[href='/requests/new/']  >> nth=-1")
    marta.select_option("#id_category", str(categories["erp"].pk))
    marta.fill("#id_subject", "El cierre de mes del ERP falla")
    marta.fill("#id_description", "Error ORA-600 al cerrar el mes.\nLo he intentado dos veces.")
    marta.set_input_files("#id_attachments", str(screenshot))
    shoot(marta, f"{lang}-02-portal-new-request")
    marta.click("form.card button[type=submit]")
    expect(marta.locator(".where-label")).to_have_text(w["where_l1"])
    expect(marta.locator(".badge")).to_have_text(w["received"])
    ticket = Ticket.objects.get()
    shoot(marta, f"{lang}-03-portal-ticket-received")

    # Level 1 finds it unassigned, claims it, answers, notes, and escalates it with a reason.
    lucia = new_page()
    problems = []
    lucia.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(lucia, "lucia")
    lucia.goto("/desk/?queue=unassigned")
    shoot(lucia, f"{lang}-04-desk-queue")
    lucia.click(f"text={ticket.subject}")
    lucia.evaluate("window.samePage = true")
    lucia.click("form[action$='/claim/'] button")
    expect(lucia.locator("#ticket .flash")).to_have_text(w["claimed"])
    assert lucia.evaluate("window.samePage === true"), "htmx should swap, not reload the page"
    lucia.check("input[name='compose-kind'][value='reply']")
    lucia.fill("#id_compose-body", "Hola Marta, lo estamos revisando.")
    lucia.fill("#id_compose-time_spent", "10")
    lucia.click("#ticket .composer button[type=submit]")
    expect(lucia.locator(".msg.from-agent")).to_contain_text("lo estamos revisando")
    lucia.check("input[name='compose-kind'][value='note']")
    lucia.fill("#id_compose-body", "El error sólo ocurre en el cierre.")
    lucia.click("#ticket .composer button[type=submit]")
    expect(lucia.locator(".msg.is-note")).to_contain_text(w["internal"])
    open_action(lucia, "escalate")
    lucia.fill("#id_escalate-reason", "Error desconocido del ERP")
    lucia.fill("#id_escalate-handover", "Reinicié el cliente; el error persiste con otro usuario.")
    lucia.click("#action-escalate button[type=submit]")
    expect(lucia.locator("#ticket .flash")).to_have_text(w["escalated"])
    expect(lucia.locator(".tier-path")).to_contain_text("L2")
    shoot(lucia, f"{lang}-05-desk-ticket-escalated")
    assert lucia.evaluate("window.samePage === true")
    assert problems == []  # no script errors, no Content-Security-Policy refusals
    lucia.goto("/desk/new/?lookup=marta")
    expect(lucia.locator("#matches")).to_contain_text("Marta Gómez")
    shoot(lucia, f"{lang}-05b-desk-new-ticket-for-caller")

    # Level 2 claims it, refers it to the vendor with a case number, and later resolves it.
    iker = new_page()
    sign_in(iker, "iker")
    iker.goto(f"/desk/tickets/{ticket.pk}/")
    expect(iker.locator(".handover")).to_contain_text("Error desconocido del ERP")
    iker.click("form[action$='/claim/'] button")
    expect(iker.locator("#ticket .flash")).to_have_text(w["claimed"])
    open_action(iker, "refer")
    iker.select_option("#id_refer-vendor", str(vendor.pk))
    iker.fill("#id_refer-case_number", "SR-88812")
    iker.fill("#id_refer-reason", "Fallo reproducible en el módulo de cierre.")
    iker.click("#action-refer button[type=submit]")
    expect(iker.locator(".case-number")).to_have_text("SR-88812")
    expect(iker.locator(".tier-path")).to_contain_text("L4")
    # The side panel shows the vendor's clock; "explain" loads its timeline under it (htmx).
    expect(iker.locator("#clock-vendor_response")).to_be_visible()
    iker.click("#clock-vendor_response a")
    expect(iker.locator("#explain-vendor_response .explain-list")).to_be_visible()
    shoot(iker, f"{lang}-06-desk-ticket-with-vendor")

    marta.reload()
    expect(marta.locator(".where-label")).to_have_text(w["where_vendor"])
    shoot(marta, f"{lang}-07-portal-waiting-for-vendor")

    open_action(iker, "resolve")
    iker.fill("#id_resolve-summary", "El proveedor publicó el parche 4.2.1; aplicado y probado.")
    iker.click("#action-resolve button[type=submit]")
    expect(iker.locator(".resolution")).to_contain_text("parche 4.2.1")
    assert Ticket.objects.get().status == Status.RESOLVED

    # The requester reads the resolution and reopens.
    marta.reload()
    expect(marta.locator(".resolution")).to_contain_text("parche 4.2.1")
    expect(marta.locator(".page-head .badge")).to_have_text(w["resolved"])
    assert "El error sólo ocurre en el cierre." not in marta.content()  # never an internal note
    shoot(marta, f"{lang}-08-portal-resolved")
    marta.click(".reopen-details > summary")  # "No, it still fails"
    marta.fill("#id_reopen-reason", "Sigue fallando en la filial de Sevilla.")
    marta.click("form[action$='/reopen/'] button[type=submit]")
    expect(marta.locator(".page-head .badge")).to_have_text(w["reopened"])
    assert Ticket.objects.get().status == Status.REOPENED

    # On a phone screen the request still reads.
    phone = new_page(width=390, height=844)
    sign_in(phone, "marta")
    phone.goto(f"/requests/{ticket.pk}/")
    expect(phone.locator("h1")).to_have_text(re.compile("ERP"))
    shoot(phone, f"{lang}-09-portal-phone")
