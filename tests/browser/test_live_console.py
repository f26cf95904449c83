"""The live console in a real browser (issue #18, part 1): two agents in two browser contexts.

Pablo has a ticket open; Lucía opens it from her queue, starts typing (Pablo sees her typing) and
sends a reply: it shows on Pablo's page within 3 seconds, without a reload, once on hers. Then a
new ticket arrives and the queue's tab count rises, with a bar offering to show it.
"""

import re
import time

import pytest
from django.db import transaction
from playwright.sync_api import expect

from escala.people.models import Agent
from escala.tickets.actions import add_reply
from tests.browser.pages import sign_in
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "queues": "Queues",
        "unassigned": "Unassigned",
        "typing": "is typing a reply",
        "viewing": "is viewing",
        "send": "Send",
        "new_one": "1 new ticket",
        "show": "Show",
    },
    "es": {
        "queues": "Colas",
        "unassigned": "Sin asignar",
        "typing": "está escribiendo una respuesta",
        "viewing": "lo está viendo",
        "send": "Enviar",
        "new_one": "1 ticket nuevo",
        "show": "Mostrar",
    },
}


def leave(*pages) -> None:
    """Stop the pages' polls before the test's tables are emptied (PostgreSQL's TRUNCATE would
    otherwise wait on a poll still being answered)."""
    for page in pages:
        page.goto("about:blank")
    pages[0].wait_for_timeout(700)


def open_from_queue(page, words: dict, subject: str) -> None:
    page.get_by_role("link", name=words["queues"]).first.click()
    page.get_by_role("navigation", name=re.compile(words["queues"])).get_by_role(
        "link", name=re.compile(words["unassigned"])
    ).click()
    page.get_by_role("link", name=subject).click()
    expect(page.locator("h1")).to_have_text(subject)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_reply_by_one_agent_appears_on_the_others_open_ticket_within_3_seconds(
    lang, new_page, shoot, employee, categories, l1_agent, l1_colleague
):
    w = WORDS[lang]
    Agent.objects.filter(pk__in=[l1_agent.pk, l1_colleague.pk]).update(language=lang)
    ticket = open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")

    pablo = new_page()
    sign_in(pablo, "pablo")
    open_from_queue(pablo, w, ticket.subject)
    lucia = new_page()
    sign_in(lucia, "lucia")
    open_from_queue(lucia, w, ticket.subject)

    # Each sees the other on the ticket; Lucía typing shows on Pablo's page as she types.
    expect(lucia.locator("#presence")).to_contain_text(f"Pablo {w['viewing']}", timeout=6000)
    lucia.locator("[data-live-composer]").press_sequentially("Ya lo he cerrado: reintente el ")
    expect(pablo.locator("#presence")).to_contain_text(f"Lucia {w['typing']}", timeout=4000)
    shoot(pablo, f"live-console-typing-{lang}")

    lucia.locator("[data-live-composer]").press_sequentially("cierre de mes, por favor.")
    lucia.locator(".composer button[value=send]").click()
    expect(lucia.locator(".thread")).to_contain_text("cierre de mes, por favor.")
    sent = time.monotonic()

    reply = pablo.locator(".thread li.msg", has_text="cierre de mes, por favor.")
    expect(reply).to_be_visible(timeout=3000)
    assert time.monotonic() - sent < 3.0
    expect(reply).to_have_class(re.compile("is-new"))
    shoot(pablo, f"live-console-reply-arrived-{lang}")

    # Her own reply is shown once on her page, even after her page's next polls.
    lucia.wait_for_timeout(2500)
    expect(lucia.locator(".thread li.msg", has_text="cierre de mes, por favor.")).to_have_count(1)
    expect(pablo.locator("[data-live-notice]")).to_be_hidden()
    leave(pablo, lucia)


def test_a_requesters_reply_reaches_an_agent_who_is_writing_without_losing_her_draft(
    new_page, shoot, employee, categories, l1_agent
):
    Agent.objects.filter(pk=l1_agent.pk).update(language="en")
    ticket = open_ticket(employee, category=categories["erp"], subject="No imprime la factura")
    lucia = new_page()
    sign_in(lucia, "lucia")
    lucia.goto(f"/desk/tickets/{ticket.pk}/")
    lucia.locator("[data-live-composer]").fill("Estoy revisando la cola de impresión")
    with transaction.atomic():  # the requester answers through the portal meanwhile
        add_reply(ticket=ticket, by=employee.user, body="Ahora tampoco imprime el albarán")

    expect(lucia.locator(".thread")).to_contain_text("tampoco imprime el albarán", timeout=3000)
    # Her draft is untouched, and she is told her form refers to the version before.
    expect(lucia.locator("[data-live-composer]")).to_have_value(
        "Estoy revisando la cola de impresión"
    )
    notice = lucia.locator("[data-live-notice]")
    expect(notice).to_be_visible()
    shoot(lucia, "live-console-changed-while-writing-en")
    notice.locator("[data-live-apply]").click()
    expect(notice).to_be_hidden()
    expect(lucia.locator("[data-live-composer]")).to_have_value(
        "Estoy revisando la cola de impresión"
    )
    lucia.locator(".composer button[value=send]").click()
    expect(lucia.locator(".thread")).to_contain_text("Estoy revisando la cola de impresión")
    expect(lucia.locator(".flash-error, .form-errors")).to_have_count(0)
    leave(lucia)


def test_the_queue_tab_count_rises_when_a_ticket_arrives(
    new_page, shoot, employee, categories, l1_agent
):
    w = WORDS["en"]
    Agent.objects.filter(pk=l1_agent.pk).update(language="en")
    open_ticket(employee, category=categories["erp"], subject="Primero")
    lucia = new_page()
    sign_in(lucia, "lucia")
    lucia.get_by_role("link", name=w["queues"]).first.click()
    lucia.get_by_role("link", name=re.compile(w["unassigned"])).click()
    count = lucia.locator("[data-count-for='unassigned']")
    expect(count).to_have_text("1", timeout=6000)

    open_ticket(employee, category=categories["erp"], subject="Llegó otro ticket")

    expect(count).to_have_text("2", timeout=14000)
    bar = lucia.locator("[data-live-bar]")
    expect(bar).to_contain_text(w["new_one"])
    expect(lucia.get_by_role("link", name="Llegó otro ticket")).to_have_count(0)  # not yanked in
    shoot(lucia, "live-console-queue-count-en")
    bar.get_by_role("button", name=w["show"]).click()
    expect(lucia.get_by_role("link", name="Llegó otro ticket")).to_be_visible()
    expect(bar).to_be_hidden()
    leave(lucia)
