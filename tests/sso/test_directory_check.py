"""The directory check: removed or disabled in the directory -> no sign-in, no session, no token."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client

from escala.api.tokens import issue_token
from escala.core import periodic
from escala.people.models import Agent
from escala.sso.models import DirectoryAccount, DirectoryMapping
from escala.sso.sync import check_ldap_accounts

from .ldap_fixtures import ldap_env, use_ldap

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(internal_dept, teams):
    DirectoryMapping.objects.create(value="finanzas", organization=internal_dept)
    DirectoryMapping.objects.create(value="service-desk", team=teams["Service Desk"])


def signed_in_client(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def token_client(user) -> Client:
    _token, raw = issue_token(user=user, by=None, name="integration", scopes=["tickets:read"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("change", ["delete", "disable"])
def test_a_user_removed_or_disabled_in_the_directory_loses_every_way_in(
    ldap_configured, rules, change
):
    directory = ldap_configured
    browser = signed_in_client("marta", "marta-pass-1")
    marta = User.objects.get(username="marta")
    api = token_client(marta)
    assert api.get("/api/v1/tickets").status_code == 200
    assert browser.get("/").status_code == 200

    getattr(directory, change)("marta")
    report = check_ldap_accounts()

    assert report.deactivated == ["marta"]
    marta.refresh_from_db()
    assert not marta.is_active
    assert DirectoryAccount.objects.get(user=marta).deactivated_by_directory
    assert api.get("/api/v1/tickets").status_code == 401
    assert browser.get("/").status_code == 302  # the session no longer signs anyone in
    assert authenticate(None, username="marta", password="marta-pass-1") is None


def test_a_user_enabled_again_in_the_directory_comes_back(ldap_configured, rules):
    directory = ldap_configured
    signed_in_client("marta", "marta-pass-1")
    directory.disable("marta")
    check_ldap_accounts()
    directory.enable("marta")
    report = check_ldap_accounts()
    assert report.reactivated == ["marta"]
    assert User.objects.get(username="marta").is_active
    signed_in_client("marta", "marta-pass-1")


def test_an_administrators_deactivation_is_not_undone_by_the_directory(ldap_configured, rules):
    signed_in_client("marta", "marta-pass-1")
    User.objects.filter(username="marta").update(is_active=False)
    check_ldap_accounts()
    assert not User.objects.get(username="marta").is_active
    assert authenticate(None, username="marta", password="marta-pass-1") is None


def test_the_check_reapplies_the_groups_without_a_sign_in(ldap_configured, rules, teams):
    directory = ldap_configured
    signed_in_client("lucia", "lucia-pass-1")
    directory.remove_from_group("lucia", "service-desk")
    directory.add_to_group("lucia", "finanzas")
    check_ldap_accounts()
    agent = Agent.objects.get(user__username="lucia")
    assert list(agent.teams.all()) == []
    assert User.objects.get(username="lucia").requester.organization.name == "Finanzas"


def test_a_user_no_rule_places_any_more_is_deactivated(ldap_configured, rules):
    directory = ldap_configured
    signed_in_client("lucia", "lucia-pass-1")
    directory.remove_from_group("lucia", "service-desk")
    report = check_ldap_accounts()
    assert report.deactivated == ["lucia"]
    assert not User.objects.get(username="lucia").is_active


def test_an_unreachable_directory_deactivates_no_one(settings, ldap_configured, rules):
    signed_in_client("marta", "marta-pass-1")
    use_ldap(settings, ldap_env("ldap://127.0.0.1:9", ESCALA_LDAP_TIMEOUT="1"))
    report = check_ldap_accounts()
    assert report.failed
    assert report.checked == 0
    assert User.objects.get(username="marta").is_active


def test_a_wrong_service_password_deactivates_no_one(settings, ldap_configured, rules):
    directory = ldap_configured
    signed_in_client("marta", "marta-pass-1")
    use_ldap(settings, ldap_env(directory.uri, ESCALA_LDAP_BIND_PASSWORD="wrong"))
    assert check_ldap_accounts().failed
    assert User.objects.get(username="marta").is_active


def test_local_accounts_are_left_alone(ldap_configured, rules, l1_agent):
    check_ldap_accounts()
    l1_agent.user.refresh_from_db()
    assert l1_agent.user.is_active


def test_the_worker_runs_the_check(ldap_configured, rules):
    assert "sso.directory_check" in [job.name for job in periodic.jobs()]
    signed_in_client("marta", "marta-pass-1")
    ldap_configured.delete("marta")
    job = next(j for j in periodic.jobs() if j.name == "sso.directory_check")
    job.func(None)
    assert not User.objects.get(username="marta").is_active
