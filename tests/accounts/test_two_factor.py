"""Two-factor: the admin's requirement for agents and admins, TOTP at sign-in, and API tokens
that ask for the password again."""

import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client

from escala.accounts.models import SignInPolicy, SignInRecord
from escala.api.models import ApiToken

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def require_two_factor() -> None:
    SignInPolicy.objects.update_or_create(pk=1, defaults={"require_two_factor_for_staff": True})


def test_agents_reach_the_console_without_two_factor_until_the_admin_requires_it(l1_agent):
    client = Client()
    client.force_login(l1_agent.user)
    assert client.get("/desk/").status_code == 200
    require_two_factor()
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    assert client.get("/accounts/2fa/").status_code == 200  # where they set it up
    api = client.get("/api/v1/tickets")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"


def test_admins_are_sent_to_enrol_before_the_admin(admin_user):
    require_two_factor()
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 302


def test_requesters_are_not_asked(employee):
    require_two_factor()
    client = Client()
    client.force_login(employee.user)
    assert client.get("/").status_code == 200


def test_an_agent_with_an_authenticator_app_signs_in_with_its_code(l1_agent):
    require_two_factor()
    secret = generate_totp_secret()
    TOTP.activate(l1_agent.user, secret)
    client = Client()
    first = client.post("/accounts/login/", {"username": "lucia", "password": "pw"})
    assert first.status_code == 302
    assert first["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    done = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert client.get("/desk/").status_code == 200
    assert SignInRecord.objects.filter(success=True).get().method == "mfa"
    failed = SignInRecord.objects.get(success=False)
    assert (failed.user, failed.reason) == (l1_agent.user, "wrong second-factor code")


def test_creating_an_api_token_asks_for_the_password_again(employee):
    client = Client()
    client.post("/accounts/login/", {"username": "marta", "password": "pw"})
    asked = client.post(
        "/api/tokens/", {"name": "script", "scopes": ["tickets:read"], "expires_days": "30"}
    )
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    assert not ApiToken.objects.exists()
    wrong = client.post(asked["Location"], {"password": "nope"})
    assert wrong.status_code == 200
    assert not ApiToken.objects.exists()
    resumed = client.post(asked["Location"], {"password": "pw"}, follow=True)
    assert resumed.status_code == 200
    assert ApiToken.objects.filter(user=employee.user, name="script").exists()
