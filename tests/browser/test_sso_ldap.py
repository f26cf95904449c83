"""LDAP sign-in against a real slapd, in a real browser, in Spanish and English: an administrator
maps a directory group to a team in the admin; the agent signs in with the directory password on
the ordinary sign-in form and lands in the console as a member of that team; removed from the
group in the directory, the next sign-in takes the team away."""

import pytest
from playwright.sync_api import expect

from escala.people.models import Agent, Requester
from escala.sso.models import DirectoryMapping
from tests.sso.ldap_fixtures import directory, ldap_configured, slapd_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "add": "Añadir mapeo del directorio",
        "saved": "fue agregado correctamente",
        "my_requests": "Mis solicitudes",
    },
    "en": {
        "add": "Add directory mapping",
        "saved": "was added successfully",
        "my_requests": "My requests",
    },
}


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".login-card button[type=submit]")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_ldap_sign_in_maps_a_directory_group_to_a_team(
    lang,
    new_page,
    shoot,
    live_server,
    ldap_configured,  # noqa: F811 (the fixture imported above)
    admin_user,
    teams,
    internal_dept,
):
    w = WORDS[lang]
    ldap_dir = ldap_configured
    admin = new_page()
    admin.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    sign_in(admin, "admin", "pw")
    admin.goto("/admin/sso/directorymapping/add/")
    expect(admin.locator("h1")).to_have_text(w["add"])
    admin.select_option("#id_match", "group")
    admin.fill("#id_value", "networks")
    admin.select_option("#id_team", str(teams["Networks"].pk))
    shoot(admin, f"sso-ldap-mapping-form-{lang}")
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text(w["saved"])
    shoot(admin, f"sso-ldap-mappings-{lang}")
    DirectoryMapping.objects.create(value="finanzas", organization=internal_dept)

    nuria = new_page()
    nuria.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    sign_in(nuria, "nuria", "wrong-password")
    expect(nuria.locator(".login-card")).to_be_visible()
    sign_in(nuria, "nuria", "nuria-pass-1")
    nuria.wait_for_url("**/desk/**")
    shoot(nuria, f"sso-ldap-agent-desk-{lang}")
    agent = Agent.objects.get(user__username="nuria")
    assert [t.name for t in agent.teams.all()] == ["Networks"]
    assert agent.teams.get().tier.level == 2

    # The directory moves her to Finance: the next sign-in takes the team away.
    ldap_dir.remove_from_group("nuria", "networks")
    ldap_dir.add_to_group("nuria", "finanzas")
    again = new_page()
    again.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    sign_in(again, "nuria", "nuria-pass-1")
    expect(again.locator("h1")).to_have_text(w["my_requests"])
    shoot(again, f"sso-ldap-moved-to-finance-{lang}")
    assert list(Agent.objects.get(user__username="nuria").teams.all()) == []
    assert Requester.objects.get(user__username="nuria").organization == internal_dept
