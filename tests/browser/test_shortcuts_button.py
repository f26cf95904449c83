"""The floating `?` button (keyboard shortcuts) never covers what a page shows: on the ticket
page, in Spanish and English, at a phone's, a laptop's and a wide screen's width, scrolled to the
top, the middle and the end, no element of the page lies under it; and it still opens the help."""

import pytest
from playwright.sync_api import expect

from escala.people.models import Agent
from escala.tickets.actions import add_note, add_reply
from tests.browser.conftest import SCREENSHOTS
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What lies under the button: every visible element of <main>, and the footer's words.
UNDER_THE_BUTTON = """() => {
  const fab = document.getElementById("kb-fab").getBoundingClientRect();
  const overlaps = (r) => r.width > 0 && r.height > 0 && r.right > fab.left
    && r.left < fab.right && r.bottom > fab.top && r.top < fab.bottom;
  const found = [];
  for (const el of document.querySelectorAll("main *")) {
    // A closed <details> keeps boxes for what it hides: only what is shown counts.
    if (el.checkVisibility({visibilityProperty: true}) && overlaps(el.getBoundingClientRect())) {
      found.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
    }
  }
  const texts = document.createTreeWalker(document.querySelector("footer"), NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const words = document.createRange();
    words.selectNodeContents(texts.currentNode);
    for (const r of words.getClientRects()) { if (overlaps(r)) { found.push("footer text"); } }
  }
  return found;
}"""

HELP = {"es": "Atajos de teclado", "en": "Keyboard shortcuts"}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click(".login-card button[type=submit]")


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("width", [390, 1280, 1600])
def test_the_shortcuts_button_never_covers_the_page(
    lang, width, new_page, employee, categories, l1_agent
):
    Agent.objects.filter(pk=l1_agent.pk).update(language=lang)
    ticket = open_ticket(employee, category=categories["erp"], subject="El cierre de mes falla")
    add_reply(ticket=ticket, by=l1_agent.user, body="Hola Marta, lo estamos revisando.")
    add_note(ticket=ticket, by=l1_agent.user, body="El error sólo ocurre en el cierre.")

    page = new_page(width=width, height=800)
    sign_in(page, "lucia")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    fab = page.locator("#kb-fab")
    expect(fab).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    for where, y in (("top", 0), ("middle", height // 2), ("end", height)):
        page.evaluate(f"window.scrollTo(0, {y})")
        assert page.evaluate(UNDER_THE_BUTTON) == [], f"covered at the {where}, {width}px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"shortcuts-button-{lang}-{width}.png"))

    fab.click()
    expect(page.locator("#kb-help")).to_be_visible()
    expect(page.locator("#kb-help-title")).to_have_text(HELP[lang])
