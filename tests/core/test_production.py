"""Production settings: `check --deploy` with the README's environment, TLS behind a proxy, and
the branded error pages in both languages."""

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "help.example.com",
}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    # What an operator's shell has: none of the test run's own switches.
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL", "ESCALA_VAR_DIR")
    full = {k: v for k, v in os.environ.items() if k in keep}
    full.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "escala.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_the_documented_production_environment():
    done = _run("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_when_a_safe_default_is_turned_down():
    done = _run(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, SECURE_COOKIES="false"
    )
    assert done.returncode != 0
    assert "SESSION_COOKIE_SECURE" in done.stdout + done.stderr


def _setting(name: str, **env: str) -> str:
    done = _run("shell", "-c", f"from django.conf import settings; print(settings.{name})", **env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_proxy_header_setting_is_parsed_and_checked():
    assert _setting(
        "SECURE_PROXY_SSL_HEADER", **PRODUCTION_ENV, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    ) == str(("HTTP_X_FORWARDED_PROTO", "https"))
    bad = _run("check", **PRODUCTION_ENV, SECURE_PROXY_SSL_HEADER="X Forwarded; rm")
    assert bad.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in bad.stderr


def test_debug_turns_the_production_defaults_off():
    assert _setting("SECURE_SSL_REDIRECT", DEBUG="true") == "False"
    assert _setting("SECURE_HSTS_SECONDS", DEBUG="true") == "0"
    assert _setting("SESSION_COOKIE_SECURE", **PRODUCTION_ENV) == "True"


@pytest.mark.django_db
def test_ssl_redirect_behind_a_tls_proxy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    proxied = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert "max-age=3600" in proxied["Strict-Transport-Security"]
    # The load balancer's probe stays on plain HTTP.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"), [("en", "Page not found"), ("es", "Página no encontrada")]
)
@pytest.mark.parametrize("debug", [False, True])
def test_branded_404_in_both_languages(settings, language, title, debug):
    settings.DEBUG = debug
    response = Client(headers={"accept-language": language}).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert title in body
    assert "Escala" in body
    assert "URLconf" not in body  # never Django's technical page, not even with DEBUG on


@pytest.mark.django_db
def test_api_404_is_left_alone_with_debug(settings):
    settings.DEBUG = True
    response = Client().get("/api/v1/tickets/999999999")
    assert response.status_code in (401, 404)
    assert "Página no encontrada" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize(
    ("language", "title"), [("en", "Something went wrong"), ("es", "Algo ha fallado")]
)
def test_branded_500_in_both_languages(language, title):
    client = Client(raise_request_exception=False, headers={"accept-language": language})
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert title in body
    assert "RuntimeError" not in body
