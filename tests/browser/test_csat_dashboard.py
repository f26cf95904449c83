"""A requester rates a resolved ticket through the survey link (no sign-in), and the supervisor
sees the answer counted on the tier dashboard. Drives Debian's chromium through Playwright."""

from pathlib import Path

import pytest

from escala.surveys.queries import pending_survey_for, survey_url
from escala.tickets.actions import add_reply, resolve_ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def chromium(browser):
    return browser  # the session's one browser (tests/conftest.py)


def page_for(chromium, live_server, language: str):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context.new_page()


def test_a_rating_given_through_the_survey_link_shows_on_the_dashboard(
    chromium, live_server, categories, employee, l1_agent, supervisor
):
    ticket = open_ticket(employee, category=categories["password"])
    add_reply(ticket=ticket, by=l1_agent.user, body="Te he enviado un enlace para cambiarla.")
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Contraseña restablecida.")
    ticket.refresh_from_db()
    survey = pending_survey_for(ticket)
    assert survey is not None

    # Marta opens the link from her mail: no sign-in, her own language.
    marta = page_for(chromium, live_server, "es")
    marta.context.clear_cookies()
    marta.goto(survey_url(survey))
    assert marta.get_by_role("heading", name="¿Qué tal lo hicimos?").is_visible()
    marta.get_by_role("radio", name="5").check()
    marta.get_by_label("¿Algo que quiera contarnos? (opcional)").fill("¡Rapidísimo, gracias!")
    marta.get_by_role("button", name="Enviar").click()
    assert "Hemos guardado su respuesta" in marta.locator("#survey-saved").inner_text()

    # Sara, the supervisor, sees it counted for Level 1, the Service Desk and Lucía. She reads
    # the console in English (signing in switches to the language she chose last time).
    supervisor.language = "en"
    supervisor.save(update_fields=["language"])
    sara = page_for(chromium, live_server, "en")
    sara.goto("/accounts/login/")
    sara.fill("input[name=username]", supervisor.user.username)
    sara.fill("input[name=password]", "pw")
    sara.locator("form [type=submit]").last.click()
    sara.goto("/desk/reports/?period=7")
    csat = sara.locator("#csat")
    rows = csat.locator("tbody tr")
    assert rows.first.locator("td").nth(2).inner_text() == "1"  # all: one answer
    # Sara signs in with her own language (numbers may read "5,0"): compare the number.
    assert rows.first.locator("td").nth(3).inner_text().replace(",", ".") == "5.0"
    agent_row = csat.locator("tbody tr", has_text="Lucia")
    assert agent_row.locator("td").nth(2).inner_text() == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sara.screenshot(path=str(ARTIFACTS / "csat-dashboard.png"), full_page=True)
