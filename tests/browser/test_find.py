"""Issue #18 in a real browser, in Spanish and in English: Ctrl-K from the queue finds a ticket
by a word of its messages and the arrow keys and Enter open it; a number jumps straight to its
ticket; the queue sorted by "Due" shows a breached ticket first, in red and labelled; the ticket
page shows the requester at a glance."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escala.core import clock
from escala.people.models import Agent
from escala.sla.models import SlaPolicy
from escala.tickets.actions import claim_ticket
from tests.browser.pages import sign_in
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "queues": "Colas",
        "tickets_group": "Tickets",
        "breached": "Incumplido",
        "overdue": "vencido hace",
        "their_tickets": "Sus tickets",
        "satisfaction": "Satisfacción",
        "placeholder": "Buscar…",
    },
    "en": {
        "queues": "Queues",
        "tickets_group": "Tickets",
        "breached": "Breached",
        "overdue": "overdue by",
        "their_tickets": "Their tickets",
        "satisfaction": "Satisfaction",
        "placeholder": "Search…",
    },
}


@pytest.fixture
def desk(l1_agent, employee, customer, categories):
    """Lucia holds three tickets: one overdue by an hour on its first response, one due in an
    hour, and one about a printer whose only trace of "engranajes" is in its message body."""
    SlaPolicy.objects.create(
        name="Standard",
        first_response_target=timedelta(hours=2),
        resolution_target=timedelta(hours=16),
    )
    real = timezone.now()
    made = {}
    for key, ago, who, subject, body in [
        ("late", 3, customer, "La centralita no da tono", "Desde esta mañana no hay línea."),
        ("soon", 1, employee, "Alta de usuario en el ERP", "Nueva compañera en Finanzas."),
        ("printer", 0.5, employee, "Impresora planta 3", "Hace un ruido de engranajes raro."),
    ]:
        # Filed in the past: the clocks count from then (no calendar: every hour counts).
        clock.set_clock(lambda ago=ago: real - timedelta(hours=ago))
        try:
            ticket = open_ticket(who, subject=subject, body=body, category=categories["password"])
            claim_ticket(ticket=ticket, by=l1_agent.user)
        finally:
            clock.reset_clock()
        made[key] = ticket
    return made


@pytest.mark.parametrize("lang", ["es", "en"])
def test_find_from_anywhere_the_due_column_and_the_requester_at_a_glance(
    lang, new_page, shoot, desk, l1_agent
):
    w = WORDS[lang]
    Agent.objects.filter(pk=l1_agent.pk).update(language=lang)
    page = new_page()
    sign_in(page, "lucia")
    expect(page.locator("h1")).to_have_text(w["queues"])
    page.wait_for_load_state()  # find.js binds Ctrl-K once the page has loaded

    # Ctrl-K from the queue, a word from a message body, arrow down, Enter: the ticket.
    box = page.locator("#find-q")
    expect(box).to_have_attribute("placeholder", w["placeholder"])
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    page.keyboard.type("engranajes")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    option = listbox.get_by_role("option").first
    expect(option).to_contain_text(desk["printer"].reference)
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    shoot(page, f"find-dropdown-{lang}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/tickets/{desk['printer'].pk}/")
    expect(page.locator("h1")).to_have_text(desk["printer"].subject)

    # The requester at a glance, loaded after the page: her other ticket is there.
    glance = page.locator("#requester-panel")
    expect(glance).to_contain_text(w["their_tickets"])
    expect(glance).to_contain_text(desk["soon"].reference)
    expect(glance).to_contain_text(w["satisfaction"])
    expect(page.locator("#requester-panel .is-current")).to_contain_text(desk["printer"].reference)
    expect(page.locator(".side .avatar").first).to_be_visible()
    shoot(page, f"find-requester-panel-{lang}")

    # Esc closes the list; a number and Enter (nothing chosen) jump straight to its ticket.
    page.keyboard.press("Control+k")
    page.keyboard.type(str(desk["late"].pk))
    expect(page.locator("#find-o-number")).to_contain_text(desk["late"].reference)
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/tickets/{desk['late'].pk}/")
    expect(page.locator("h1")).to_have_text(desk["late"].subject)

    # Enter with nothing chosen: the full results page, every group.
    page.keyboard.press("Control+k")
    page.keyboard.type("Marta")
    expect(page.get_by_role("listbox").get_by_role("option").first).to_contain_text("Marta")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/find/?q=Marta**")
    expect(page.locator("#fp-requesters + ul")).to_contain_text("Marta Gómez")
    shoot(page, f"find-results-page-{lang}")

    # The queue sorted by Due: the breached ticket first, red, and saying so in words.
    page.get_by_role("link", name=w["queues"], exact=True).click()
    page.locator("table.tickets thead a[href*='sort=due']").click()
    page.wait_for_url("**sort=due**")
    first = page.locator("table.tickets tbody tr").first
    expect(first).to_contain_text(desk["late"].reference)
    due = first.locator(".due")
    expect(due).to_have_class("due due-breached")
    expect(due).to_contain_text(w["breached"])
    expect(due).to_contain_text(w["overdue"])
    assert due.evaluate("el => getComputedStyle(el).color") == "rgb(180, 35, 24)"
    expect(page.locator("table.tickets th[aria-sort='ascending']")).to_be_visible()
    shoot(page, f"find-queue-due-{lang}")
