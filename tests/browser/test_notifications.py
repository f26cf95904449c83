"""The bell in a real browser, in Spanish and English (issue #18, notifications):

a Level 1 agent escalates a ticket to Level 2's Information Systems team; an agent of that team,
with the queue open in another browser context, sees the bell's count rise without a reload (the
bell's conditional poll), opens the bell's panel, clicks through to the ticket (the notification
is read), then finds the full list and the preferences from the panel and saves a choice.
"""

import pytest
from playwright.sync_api import expect

from escala.core import clock
from escala.notifications import state
from escala.notifications.models import Notification, NotificationPreference
from escala.people.models import Agent
from tests.browser.pages import sign_in
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "escalated": "El ticket se ha escalado.",
        "text": "Lucia ha escalado este ticket a Information Systems.",
        "see_all": "Ver todas las notificaciones",
        "title": "Notificaciones",
        "preferences": "Preferencias de notificación",
        "save": "Guardar las preferencias",
        "saved": "Se han guardado tus preferencias de notificación.",
        "mail": "Por correo",
    },
    "en": {
        "escalated": "The ticket was escalated.",
        "text": "Lucia escalated this ticket to Information Systems.",
        "see_all": "See all notifications",
        "title": "Notifications",
        "preferences": "Notification preferences",
        "save": "Save preferences",
        "saved": "Your notification preferences were saved.",
        "mail": "By mail",
    },
}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_escalation_rings_the_receiving_teams_bell_without_a_reload(
    lang, new_page, shoot, employee, categories, l1_agent, l2_is_agent
):
    w = WORDS[lang]
    Agent.objects.filter(pk__in=[l1_agent.pk, l2_is_agent.pk]).update(language=lang)
    ticket = open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")

    # Level 2 has the queue open; nothing is unread yet.
    iker = new_page()
    problems = []
    iker.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(iker, "iker")
    iker.goto("/desk/")
    expect(iker.locator("#bell-count")).to_have_attribute("data-count", "0")
    expect(iker.locator("#bell-count .bell-badge")).to_have_count(0)
    iker.evaluate("window.samePage = true")

    # Level 1 escalates the ticket to Level 2 from the ticket page.
    lucia = new_page()
    sign_in(lucia, "lucia")
    lucia.goto(f"/desk/tickets/{ticket.pk}/")
    lucia.click("#action-escalate > summary")
    lucia.fill("#id_escalate-reason", "Error desconocido del ERP")
    lucia.fill("#id_escalate-handover", "Reinicié el cliente; el error persiste.")
    lucia.click("#action-escalate button[type=submit]")
    expect(lucia.locator("#ticket .flash")).to_have_text(w["escalated"])
    assert Notification.objects.filter(recipient=l2_is_agent.user).count() == 1
    assert not Notification.objects.filter(recipient=l1_agent.user).exists()

    # Within the poll interval (12 s), the bell rings on the page Level 2 already had open.
    expect(iker.locator("#bell-count .bell-badge")).to_have_text("1", timeout=20_000)
    assert iker.evaluate("window.samePage === true"), "the bell must update without a reload"
    shoot(iker, f"notifications-{lang}-01-bell-rings")

    # The panel lists it; clicking it opens the ticket and reads it.
    iker.click("#bell > summary")
    item = iker.locator("#bell-panel .notification").first
    expect(item).to_contain_text(w["text"])
    expect(item).to_contain_text("El ERP no cierra el mes")
    shoot(iker, f"notifications-{lang}-02-bell-panel")
    item.locator(".notification-open").click()
    iker.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    expect(iker.locator("#bell-count")).to_have_attribute("data-count", "0")
    shoot(iker, f"notifications-{lang}-03-ticket-opened")

    # The full list and the preferences are reachable from the bell.
    iker.click("#bell > summary")
    iker.click(f"#bell-panel >> text={w['see_all']}")
    expect(iker.locator("h1")).to_have_text(w["title"])
    expect(iker.locator(".notification").first).to_contain_text(w["text"])
    shoot(iker, f"notifications-{lang}-04-list")
    iker.click("#bell > summary")
    iker.click(f"#bell-panel >> text={w['preferences']}")
    expect(iker.locator("h1")).to_have_text(w["preferences"])
    iker.select_option("#id_mentioned", "mail")
    shoot(iker, f"notifications-{lang}-05-preferences")
    iker.click(f"text={w['save']}")
    expect(iker.locator(".flash")).to_have_text(w["saved"])
    assert (
        NotificationPreference.objects.get(user=l2_is_agent.user, kind="mentioned").delivery
        == "mail"
    )

    # The live console's poll says a notification arrived: the bell asks for itself at once.
    Notification.objects.create(
        recipient=l2_is_agent.user,
        kind="mentioned",
        ticket=ticket,
        params={"actor": "Lucia", "excerpt": "@iker mira esto"},
        created_at=clock.now(),
    )
    state.forget([l2_is_agent.user.pk])
    iker.evaluate(
        "window.dispatchEvent(new CustomEvent('escala:live', {detail: {notifications: 1}}))"
    )
    expect(iker.locator("#bell-count .bell-badge")).to_have_text("1", timeout=4_000)
    assert problems == []
