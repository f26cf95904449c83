"""Sign-in in the browser: the page in Escala's look, the remembered language, agents to /desk/."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_signs_in_on_escalas_page_and_lands_in_the_console(new_page, shoot, l1_agent):
    page = new_page()
    page.goto("/accounts/login/")
    shoot(page, "accounts-login")
    assert page.locator(".login-card h1").inner_text() in ("Iniciar sesión", "Sign in")
    page.fill("#id_username", l1_agent.user.username)
    page.fill("#id_password", "pw")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/desk/**")
    shoot(page, "accounts-login-desk")
