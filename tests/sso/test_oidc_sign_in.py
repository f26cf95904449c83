"""Signing in through a real OpenID Connect provider (django-oauth-toolkit in its own process):
the authorization code flow end to end, provisioning from the groups claim and the mail domain."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from escala.api.tokens import issue_token
from escala.people.models import Agent, Organization, Requester
from escala.sso.choices import MappingSource, MatchKind, Source
from escala.sso.models import DirectoryAccount, DirectoryMapping

from .oidc_fixtures import CLIENT_ID, CLIENT_SECRET, PEOPLE, PROVIDER_ID, oidc_env, use_oidc

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(internal_dept, teams):
    DirectoryMapping.objects.create(value="finance", organization=internal_dept)
    DirectoryMapping.objects.create(
        source=MappingSource.OIDC, value="Helpdesk Networks", team=teams["Networks"]
    )
    DirectoryMapping.objects.create(value="helpdesk l1", team=teams["Service Desk"])


def sign_in_through_provider(
    client: Client, username: str, password: str | None = None, provider_id: str = PROVIDER_ID
):
    """Escala's SSO button, the provider's own login form, and back: Escala's last response."""
    start = client.post(f"/accounts/oidc/{provider_id}/login/", {"process": "login"})
    assert start.status_code == 302, start.content[:300]
    idp = requests.Session()
    page = idp.get(start["Location"], timeout=10)
    assert "Test Identity Provider" in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    login = idp.post(
        page.url,
        data={
            "csrfmiddlewaretoken": csrf,
            "username": username,
            "password": password or PEOPLE[username][0],
            "next": nxt,
        },
        allow_redirects=False,
        timeout=10,
    )
    if login.status_code != 302:
        return None  # the provider refused the password
    back = idp.get(
        requests.compat.urljoin(page.url, login.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302, back.text[:300]
    callback = urlsplit(back.headers["Location"])
    assert callback.netloc == "testserver"
    return client.get(f"{callback.path}?{callback.query}")


def test_the_sign_in_page_shows_the_provider_in_both_languages(oidc_configured):
    for lang, words in (("en", "Sign in with Test IdP"), ("es", "Iniciar sesión con Test IdP")):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        client.cookies["django_language"] = lang
        page = client.get("/accounts/login/").content.decode()
        assert words in page
        assert f'action="/accounts/oidc/{PROVIDER_ID}/login/' in page


def test_no_provider_no_button(settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "sso-button" not in Client().get("/accounts/login/").content.decode()


def test_an_employee_signs_in_and_becomes_a_requester_of_the_mapped_organization(
    oidc_configured, rules, internal_dept
):
    client = Client()
    done = sign_in_through_provider(client, "marta")
    assert done.status_code == 302
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert (user.first_name, user.last_name, user.email) == (
        "Marta",
        "Gómez",
        "marta@finanzas.example",
    )
    assert Requester.objects.get(user=user).organization == internal_dept
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.provider) == (Source.OIDC, PROVIDER_ID)
    assert account.groups == ["finance"]
    assert SocialAccount.objects.get(user=user).provider == PROVIDER_ID
    assert client.get("/").status_code == 200


def test_an_agent_gets_the_team_of_the_groups_claim_and_loses_it_with_the_group(
    oidc_configured, rules, teams
):
    provider = oidc_configured
    client = Client()
    sign_in_through_provider(client, "nuria")
    agent = Agent.objects.get(user__email="nuria@escala.example")
    assert list(agent.teams.all()) == [teams["Networks"]]
    assert client.get("/desk/").status_code == 200

    provider.control(username="nuria", groups=["Helpdesk L1"])
    sign_in_through_provider(Client(), "nuria")
    assert list(Agent.objects.get(pk=agent.pk).teams.all()) == [teams["Service Desk"]]


def test_the_mail_domain_places_a_person_without_groups(oidc_configured, db):
    org = Organization.objects.create(name="Otra", kind="customer", email_domain="otra.example")
    client = Client()
    sign_in_through_provider(client, "nadie")
    assert Requester.objects.get(user__email="nadie@otra.example").organization == org


def test_someone_no_rule_places_is_refused_and_leaves_no_login(oidc_configured, rules):
    client = Client()
    done = sign_in_through_provider(client, "nadie")
    assert done.status_code == 403
    assert "Su cuenta del directorio no tiene acceso a la mesa de ayuda" in done.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="nadie@otra.example").exists()


def test_a_later_refusal_deactivates_the_login_and_its_tokens(oidc_configured, rules):
    provider = oidc_configured
    client = Client()
    sign_in_through_provider(client, "lucia")
    lucia = User.objects.get(email="lucia@escala.example")
    _token, raw = issue_token(user=lucia, by=None, name="script", scopes=["tickets:read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/tickets").status_code == 200

    provider.control(username="lucia", groups=[])
    done = sign_in_through_provider(Client(), "lucia")
    assert done.status_code == 403
    lucia.refresh_from_db()
    assert not lucia.is_active
    assert api.get("/api/v1/tickets").status_code == 401
    assert client.get("/desk/").status_code == 302  # the earlier session is over too

    # Given a place again by the provider's groups, the directory's deactivation is undone...
    provider.control(username="lucia", groups=["Helpdesk L1"])
    assert sign_in_through_provider(Client(), "lucia").status_code == 302
    lucia.refresh_from_db()
    assert lucia.is_active
    # ...but never an administrator's.
    User.objects.filter(pk=lucia.pk).update(is_active=False)
    DirectoryAccount.objects.filter(user=lucia).update(deactivated_by_directory=False)
    again = Client()
    sign_in_through_provider(again, "lucia")
    assert "_auth_user_id" not in again.session


def test_a_local_account_with_the_same_name_and_mail_is_not_taken_over(oidc_configured, rules):
    local = User.objects.create_user("marta", "marta@finanzas.example", "local-pass-1")
    local.is_superuser = True
    local.save()
    client = Client()
    sign_in_through_provider(client, "marta")
    signed_in = User.objects.get(pk=client.session["_auth_user_id"])
    assert signed_in != local
    assert not signed_in.is_superuser
    assert not DirectoryAccount.objects.filter(user=local).exists()


def test_an_unverified_mail_does_not_claim_a_domain_or_a_requester(oidc_configured, db):
    Organization.objects.create(name="Otra", kind="customer", email_domain="otra.example")
    from escala.sso.provisioning import DirectoryProfile, SignInRefused, provision_user

    user = User.objects.create_user("x")
    profile = DirectoryProfile(
        source=Source.OIDC, provider=PROVIDER_ID, external_id="x", email="nadie@otra.example"
    )
    with pytest.raises(SignInRefused):
        provision_user(user=user, profile=profile)


def test_trust_email_is_a_provider_setting(settings, oidc_provider, db):
    use_oidc(settings, oidc_env(oidc_provider, ESCALA_OIDC_TRUST_EMAIL="true"))
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    assert app["settings"]["trust_email"] is True


def test_a_domain_rule_for_another_provider_does_not_apply(oidc_configured, internal_dept):
    DirectoryMapping.objects.create(
        source=MappingSource.OIDC,
        provider="google",
        match=MatchKind.EMAIL_DOMAIN,
        value="otra.example",
        organization=internal_dept,
    )
    done = sign_in_through_provider(Client(), "nadie")
    assert done.status_code == 403


def test_a_wrong_password_at_the_provider_signs_no_one_in(oidc_configured, rules):
    assert sign_in_through_provider(Client(), "marta", "wrong") is None
    assert not User.objects.exists()


def test_the_sign_in_page_lets_its_forms_reach_the_provider_and_no_other_page_does(
    oidc_configured,
):
    login = Client().get("/accounts/login/")
    assert f"form-action 'self' {oidc_configured.url}" in login["Content-Security-Policy"]
    portal = Client().get("/kb/")
    assert oidc_configured.url not in portal.get("Content-Security-Policy", "")


def test_a_provider_added_in_the_admin_signs_people_in(
    settings, oidc_provider, rules, teams, admin_user
):
    from allauth.socialaccount.models import SocialApp

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
    oidc_provider.control(redirect_uri="http://testserver/accounts/oidc/keycloak/login/callback/")
    admin = Client()
    admin.force_login(admin_user)
    form = admin.get("/admin/socialaccount/socialapp/add/")
    assert form.status_code == 200
    assert 'value="openid_connect"' in form.content.decode()
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="keycloak",
        name="Keycloak",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": oidc_provider.issuer, "groups_claim": "groups"},
    )
    assert (
        "Sign in with Keycloak"
        in Client(HTTP_ACCEPT_LANGUAGE="en")
        .get("/accounts/login/", HTTP_COOKIE="django_language=en")
        .content.decode()
    )
    client = Client()
    sign_in_through_provider(client, "nuria", provider_id="keycloak")
    agent = Agent.objects.get(user__email="nuria@escala.example")
    assert list(agent.teams.all()) == [teams["Networks"]]
    assert DirectoryAccount.objects.get(user=agent.user).provider == "keycloak"
