"""What an agent is doing on a ticket page survives the page's live updates (issue #18), in both
languages: an action she opened and what she typed in it stay as they are when a colleague's
change arrives, and a click under way when an update arrives is not lost.
"""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from escala.people.models import Agent
from escala.tickets.actions import add_note
from tests.browser.pages import sign_in
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ESCALATED = {"en": "The ticket was escalated.", "es": "El ticket se ha escalado."}


def leave(page) -> None:
    """Stop the page's polls before the tables are emptied (PostgreSQL's TRUNCATE waits)."""
    page.goto("about:blank")
    page.wait_for_timeout(700)


def a_note_by(agent, ticket, body: str) -> None:
    with transaction.atomic():  # committed as a request of his would be
        add_note(ticket=ticket.pk, by=agent.user, body=body)


def is_ticket_poll(response) -> bool:
    return "/desk/live/tickets/" in response.url and response.status == 200


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_open_action_and_what_was_typed_in_it_survive_a_colleagues_change(
    lang, new_page, shoot, employee, categories, l1_agent, l1_colleague
):
    Agent.objects.filter(pk__in=[l1_agent.pk, l1_colleague.pk]).update(language=lang)
    ticket = open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")
    lucia = new_page()
    sign_in(lucia, "lucia")
    lucia.goto(f"/desk/tickets/{ticket.pk}/")
    # At once, without waiting for the page's first poll: that is when it raced.
    lucia.click("#action-escalate > summary")
    lucia.fill("#id_escalate-reason", "Error desconocido del ERP")
    lucia.fill("#id_escalate-handover", "Reinicié el cliente")

    a_note_by(l1_colleague, ticket, "Lo miro yo también")

    expect(lucia.locator(".thread")).to_contain_text("Lo miro yo también", timeout=5000)
    lucia.wait_for_timeout(2500)  # and the poll after it
    expect(lucia.locator("#action-escalate")).to_have_attribute("open", "")
    expect(lucia.locator("#id_escalate-reason")).to_have_value("Error desconocido del ERP")
    expect(lucia.locator("#id_escalate-handover")).to_have_value("Reinicié el cliente")
    notice = lucia.locator("[data-live-notice]")
    expect(notice).to_be_visible()  # her form refers to the version before the note
    shoot(lucia, f"live-forms-{lang}-01-escalate-kept")

    notice.locator("[data-live-apply]").click()
    expect(notice).to_be_hidden()
    expect(lucia.locator("#action-escalate")).to_have_attribute("open", "")
    expect(lucia.locator("#id_escalate-reason")).to_have_value("Error desconocido del ERP")
    lucia.locator("#id_escalate-handover").press_sequentially("; el error persiste.")
    lucia.click("#action-escalate button[type=submit]")
    expect(lucia.locator("#ticket .flash")).to_have_text(ESCALATED[lang])
    shoot(lucia, f"live-forms-{lang}-02-escalated")
    leave(lucia)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_click_under_way_when_an_update_arrives_is_not_lost(
    lang, new_page, shoot, employee, categories, l1_agent, l1_colleague
):
    Agent.objects.filter(pk__in=[l1_agent.pk, l1_colleague.pk]).update(language=lang)
    ticket = open_ticket(employee, category=categories["erp"], subject="No imprime la factura")
    lucia = new_page()
    sign_in(lucia, "lucia")
    lucia.goto(f"/desk/tickets/{ticket.pk}/")
    lucia.wait_for_load_state("networkidle")

    # She presses on "Escalate"; a colleague's note arrives before she lets go.
    summary = lucia.locator("#action-escalate > summary")
    summary.scroll_into_view_if_needed()
    box = summary.bounding_box()
    lucia.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lucia.mouse.down()
    with lucia.expect_response(is_ticket_poll, timeout=6000):
        a_note_by(l1_colleague, ticket, "Reinicié la impresora")
    lucia.wait_for_timeout(300)
    lucia.mouse.up()

    # Her click opened the action; the note shows once the click is over.
    expect(lucia.locator("#id_escalate-reason")).to_be_visible()
    expect(lucia.locator(".thread")).to_contain_text("Reinicié la impresora")
    lucia.fill("#id_escalate-reason", "Driver del ERP")
    shoot(lucia, f"live-forms-{lang}-03-click-kept")
    leave(lucia)


def test_a_live_page_hears_of_the_bell_through_its_own_poll(
    new_page, employee, categories, l1_agent
):
    # The live poll carries the bell's count: the bell's own poll every 12 s would be a second
    # request per open page (the bell still asks when the count differs: test_notifications).
    ticket = open_ticket(employee, category=categories["erp"], subject="No imprime la factura")
    lucia = new_page()
    sign_in(lucia, "lucia")
    asked = []
    lucia.on("request", lambda request: asked.append(request.url))
    lucia.goto(f"/desk/tickets/{ticket.pk}/")
    lucia.wait_for_timeout(14_000)
    assert any("/desk/live/tickets/" in url for url in asked)
    assert not [url for url in asked if "/desk/notifications/bell/" in url]
    leave(lucia)
