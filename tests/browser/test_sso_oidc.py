"""OpenID Connect sign-in in a real browser, in Spanish and English: the sign-in page shows the
organization's provider; its own login page (a real provider, django-oauth-toolkit, in another
process) takes the password; back at Escala the agent lands in the console with the team the
groups claim maps to, and the employee in the portal as a requester of their organization."""

import pytest
from playwright.sync_api import expect

from escala.people.models import Agent, Requester
from escala.sso.choices import MappingSource
from escala.sso.models import DirectoryMapping
from tests.sso.oidc_fixtures import CALLBACK, PEOPLE, oidc_configured, oidc_provider  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {"button": "Iniciar sesión con Test IdP", "my_requests": "Mis solicitudes"},
    "en": {"button": "Sign in with Test IdP", "my_requests": "My requests"},
}


def sso_sign_in(page, lang: str, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name=WORDS[lang]["button"]).click()
    expect(page.locator("h1")).to_have_text("Test Identity Provider")
    page.fill("#id_username", username)
    page.fill("#id_password", PEOPLE[username][0])
    page.click("#idp-sign-in")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_openid_connect_sign_in_through_the_providers_login_page(
    lang,
    new_page,
    shoot,
    live_server,
    oidc_configured,  # noqa: F811 (the fixture imported above)
    teams,
    internal_dept,
):
    oidc_configured.control(redirect_uri=f"{live_server.url}{CALLBACK}")
    DirectoryMapping.objects.create(
        source=MappingSource.OIDC, value="Helpdesk Networks", team=teams["Networks"]
    )
    DirectoryMapping.objects.create(value="Finance", organization=internal_dept)

    nuria = new_page()
    nuria.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    nuria.goto("/accounts/login/")
    expect(nuria.get_by_role("button", name=WORDS[lang]["button"])).to_be_visible()
    shoot(nuria, f"sso-oidc-sign-in-page-{lang}")
    sso_sign_in(nuria, lang, "nuria")
    nuria.wait_for_url("**/desk/**")
    shoot(nuria, f"sso-oidc-agent-desk-{lang}")
    agent = Agent.objects.get(user__email="nuria@escala.example")
    assert [t.name for t in agent.teams.all()] == ["Networks"]
    assert agent.language == lang

    marta = new_page()
    marta.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    sso_sign_in(marta, lang, "marta")
    expect(marta.locator("h1")).to_have_text(WORDS[lang]["my_requests"])
    shoot(marta, f"sso-oidc-employee-portal-{lang}")
    assert Requester.objects.get(user__email="marta@finanzas.example").organization == internal_dept
