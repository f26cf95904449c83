"""Brute force on every way in: per client address and per account, a lock that expires, and no
way for an attacker to keep a real user out."""

import pytest
from django.conf import settings
from django.test import Client

from escala.accounts.models import SignInRecord

from .conftest import refused_as_locked, sign_in

pytestmark = pytest.mark.django_db


def test_the_numbers_are_settings_and_one_address_gets_fewer_tries_than_an_account():
    assert settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS < settings.ESCALA_LOGIN_FAILURES_PER_ACCOUNT
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == (
        f"{settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS}/{settings.ESCALA_LOGIN_ADDRESS_WINDOW}s/ip,"
        f"{settings.ESCALA_LOGIN_FAILURES_PER_ACCOUNT}/{settings.ESCALA_LOGIN_ACCOUNT_WINDOW}s/key"
    )


def test_an_address_is_locked_out_even_with_the_right_password_then_the_lock_expires(
    employee, limit_clock
):
    for _ in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS):
        _client, response = sign_in("marta", "wrong")
        assert response.status_code == 200
        assert not refused_as_locked(response)
    _client, response = sign_in("marta", "pw")
    assert refused_as_locked(response)
    assert "_auth_user_id" not in _client.session
    assert SignInRecord.objects.filter(success=False, reason="too many failed attempts").exists()

    limit_clock.advance(settings.ESCALA_LOGIN_ADDRESS_WINDOW + 1)
    client, response = sign_in("marta", "pw")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.user.pk)


def test_one_address_cannot_lock_a_real_user_out(employee):
    for _ in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS + 3):
        sign_in("marta", "wrong", address="203.0.113.9")
    client, response = sign_in("marta", "pw", address="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.user.pk)


def test_many_addresses_lock_the_account_briefly_whatever_its_name_is_typed_like(
    employee, customer, limit_clock
):
    for i in range(settings.ESCALA_LOGIN_FAILURES_PER_ACCOUNT):
        sign_in("MARTA" if i % 2 else "marta", "wrong", address=f"203.0.113.{i + 1}")
    _client, response = sign_in("marta", "pw", address="198.51.100.7")
    assert refused_as_locked(response)
    # Another account from that address is not affected.
    _client, response = sign_in("john", "pw", address="198.51.100.7")
    assert response.status_code == 302
    limit_clock.advance(settings.ESCALA_LOGIN_ACCOUNT_WINDOW + 1)
    _client, response = sign_in("marta", "pw", address="198.51.100.7")
    assert response.status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_address_count(employee):
    for i in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS):
        sign_in("marta", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    _client, response = sign_in("marta", "pw", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert refused_as_locked(response)


def test_the_admin_sign_in_is_the_same_protected_page(admin_user):
    client = Client()
    response = client.get("/admin/login/?next=/admin/tiers/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Ftiers%2F"
    # Posting a password to /admin/login/ signs no one in.
    response = client.post("/admin/login/", {"username": "admin", "password": "pw"})
    assert "_auth_user_id" not in client.session
    for _ in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS):
        sign_in("admin", "wrong")
    _client, response = sign_in("admin", "pw")
    assert refused_as_locked(response)


def test_the_admin_sign_in_refuses_an_offsite_next_and_a_signed_in_non_admin(employee):
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert "evil" not in response["Location"]
    client = Client()
    client.force_login(employee.user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_password_reset_by_mail_ends_the_accounts_lock(employee, mailoutbox):
    for i in range(settings.ESCALA_LOGIN_FAILURES_PER_ACCOUNT):
        sign_in("marta", "wrong", address=f"203.0.113.{i + 1}")
    _client, response = sign_in("marta", "pw", address="198.51.100.7")
    assert refused_as_locked(response)

    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post("/accounts/password/reset/", {"email": employee.user.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    form = client.get(path, follow=True)
    client.post(
        form.request["PATH_INFO"],
        {"password1": "Un-caballo-verde-2026", "password2": "Un-caballo-verde-2026"},
    )
    _client, response = sign_in("marta", "Un-caballo-verde-2026", address="198.51.100.7")
    assert response.status_code == 302


def test_asking_for_reset_mails_is_limited_per_address(employee, mailoutbox):
    client = Client(REMOTE_ADDR="10.9.9.9")
    codes = [
        client.post("/accounts/password/reset/", {"email": employee.user.email}).status_code
        for _ in range(5)
    ]
    assert 429 in codes
    assert len(mailoutbox) <= 3


def test_asking_for_sign_in_links_is_limited(employee, mailoutbox):
    client = Client(REMOTE_ADDR="10.9.9.8")
    codes = [
        client.post("/accounts/link/", {"email": employee.email}).status_code for _ in range(5)
    ]
    assert codes[0] == 200
    assert 429 in codes
    assert len(mailoutbox) == 3


def test_following_bad_sign_in_links_is_limited_per_address(employee):
    client = Client(REMOTE_ADDR="10.9.9.7")
    codes = [
        client.post(f"/accounts/link/forged{i}/").status_code
        for i in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS + 1)
    ]
    assert codes[:-1] == [400] * settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS
    assert codes[-1] == 429


def test_wrong_passwords_where_a_token_is_made_count_like_any_sign_in(employee):
    from escala.api.models import ApiToken

    client, _ = sign_in("marta", "pw", address="10.7.7.7")
    asked = client.post("/api/tokens/", {"name": "t", "scopes": ["tickets:read"]})
    reauth = asked["Location"]
    for _ in range(settings.ESCALA_LOGIN_FAILURES_PER_ADDRESS):
        client.post(reauth, {"password": "nope"})
    locked = client.post(reauth, {"password": "pw"})
    assert refused_as_locked(locked)
    assert not ApiToken.objects.exists()


def test_guessing_api_tokens_is_limited_per_address(employee):
    from escala.api.tokens import issue_token

    _token, raw = issue_token(user=employee.user, by=None, name="t", scopes=["tickets:read"])
    guesser = Client(REMOTE_ADDR="10.6.6.6", HTTP_AUTHORIZATION="Bearer esc_guess")
    codes = [
        guesser.get("/api/v1/me").status_code
        for _ in range(settings.ESCALA_API_BAD_TOKENS_PER_ADDRESS + 1)
    ]
    assert codes[:-1] == [401] * settings.ESCALA_API_BAD_TOKENS_PER_ADDRESS
    assert codes[-1] == 429
    # Even a right token from that address waits; from another address it works.
    locked = Client(REMOTE_ADDR="10.6.6.6", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert locked.get("/api/v1/me").status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.6.6.7", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert elsewhere.get("/api/v1/me").status_code == 200
