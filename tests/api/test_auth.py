"""Tokens: hashed, scoped, expiring, revocable, rate limited; the browser uses its session."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from escala.api.models import ApiToken
from escala.api.tokens import issue_token, revoke_token

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_token_is_stored(api_as, employee):
    api = api_as(employee)
    stored = ApiToken.objects.get(pk=api.token.pk)
    assert api.raw.startswith(f"esc_{stored.prefix}_")
    assert api.raw not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_a_read_only_token_cannot_write(api_as, employee):
    reader = api_as(employee, "tickets:read")
    assert reader.get("tickets").status_code == 200
    refused = reader.post("tickets", {"subject": "x", "body": "y"})
    assert refused.status_code == 403
    assert "tickets:write" in refused.json()["error"]["message"]


def test_a_revoked_token_stops_working(api_as, employee):
    api = api_as(employee)
    assert api.get("tickets").status_code == 200
    revoke_token(token_id=api.token.pk, by=employee.user)
    assert api.get("tickets").status_code == 401


def test_an_expired_token_stops_working(api_as, employee, frozen_clock):
    _token, raw = issue_token(
        user=employee.user,
        by=None,
        name="short",
        scopes=["tickets:read"],
        expires_at=frozen_clock() + timedelta(hours=1),
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/tickets").status_code == 200
    frozen_clock.advance(hours=2)
    assert client.get("/api/v1/tickets").status_code == 401


def test_the_last_use_is_recorded(api_as, employee, frozen_clock):
    api = api_as(employee)
    api.get("tickets")
    api.token.refresh_from_db()
    assert api.token.last_used_at == frozen_clock()


def test_only_administrators_may_hold_the_admin_scope(employee, admin_user):
    from escala.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        issue_token(user=employee.user, by=None, name="x", scopes=["admin"])
    assert refused.value.field == "scopes"
    issue_token(user=admin_user, by=None, name="x", scopes=["admin"])


def test_too_many_requests_get_a_429_with_retry_after(api_as, employee, settings, frozen_clock):
    settings.ESCALA_API_RATE_LIMIT = 3
    api = api_as(employee)
    assert [api.get("tickets").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("tickets")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    frozen_clock.advance(seconds=61)
    assert api.get("tickets").status_code == 200


def test_the_limit_is_per_token(api_as, employee, customer, settings):
    settings.ESCALA_API_RATE_LIMIT = 1
    first, second = api_as(employee), api_as(customer)
    assert first.get("tickets").status_code == 200
    assert first.get("tickets").status_code == 429
    assert second.get("tickets").status_code == 200


def test_the_browser_session_reads_and_writes_with_csrf(employee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(employee.user)
    assert browser.get("/api/v1/tickets").status_code == 200
    body = '{"subject": "Desde el navegador", "body": "Hola"}'
    refused = browser.post("/api/v1/tickets", body, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/api/tokens/")  # any page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/tickets", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201, accepted.content


def test_the_cli_prints_a_working_token(employee, capsys):
    call_command("token", "create", "--user", employee.user.username, "--scopes", "tickets:read")
    raw = capsys.readouterr().out.strip()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").json()["scopes"] == ["tickets:read"]
    assert ApiToken.objects.get(user=employee.user).expires_at is not None


def test_the_cli_refuses_an_unknown_scope(employee):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="root"):
        call_command("token", "create", "--user", employee.user.username, "--scopes", "root")


def reauthenticated(client: Client, user) -> Client:
    """A session whose owner just gave their password again (the token page asks for it)."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def test_the_token_page_shows_a_new_token_once_and_revokes_it(employee):
    browser = Client()
    browser.force_login(employee.user)
    reauthenticated(browser, employee.user)
    page = browser.post(
        "/api/tokens/",
        {"name": "Mi script", "scopes": ["tickets:read"], "expires_days": "30"},
    )
    assert page.status_code == 200
    raw = page.context["created"]
    assert raw.startswith("esc_")
    assert raw not in browser.get("/api/tokens/").content.decode()
    token = ApiToken.objects.get(user=employee.user)
    browser.post(f"/api/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_the_token_page_reports_a_missing_name(employee):
    browser = Client()
    browser.force_login(employee.user)
    reauthenticated(browser, employee.user)
    page = browser.post("/api/tokens/", {"name": "", "scopes": ["tickets:read"]})
    assert page.status_code == 422
    assert "name" in page.context["errors"]
    assert not ApiToken.objects.exists()
