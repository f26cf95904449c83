"""Sign-in security in chromium: password reset by mail, TOTP and passkeys (Chrome's virtual
authenticator), the lockout and its expiry, and the way there from the user menu."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from playwright.sync_api import expect

from escala.core import memo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    memo.forget_config()
    yield
    cache.clear()
    memo.forget_config()


def sign_in(page, username: str, password: str = "pw") -> None:  # noqa: S107 - the fixtures
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".login-card button[type=submit]")


def wait_for_mail(outbox, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while len(outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def reauthenticate_if_asked(page, password: str = "pw") -> None:  # noqa: S107
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")


def test_password_reset_by_mail(new_page, shoot, employee, mailoutbox):
    page = new_page()
    page.goto("/accounts/login/")
    page.click("a[href='/accounts/password/reset/']")
    page.fill("input[name=email]", employee.user.email)
    shoot(page, "account-reset-ask")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/password/reset/done/")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mailoutbox[0].body).group(0)
    page.goto(link)
    page.fill("input[name=password1]", "Caballo-verde-2026")
    page.fill("input[name=password2]", "Caballo-verde-2026")
    shoot(page, "account-reset-new-password")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/password/reset/key/done/")
    sign_in(page, "marta", "Caballo-verde-2026")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.locator("a.whoami").count() == 1


def test_totp_enrolment_and_sign_in(new_page, shoot, l1_agent):
    page = new_page()
    sign_in(page, "lucia")
    page.wait_for_url("**/desk/**")
    page.click("a.whoami")  # the user menu: account and security
    page.wait_for_url("**/accounts/security/")
    shoot(page, "account-security-page")
    page.click("a[href='/accounts/2fa/']")
    page.click("a[href='/accounts/2fa/totp/activate/']")
    reauthenticate_if_asked(page)
    page.wait_for_url("**/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    shoot(page, "account-totp-activate")
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    shoot(page, "account-totp-active")
    assert l1_agent.user.authenticator_set.filter(type="totp").exists()

    page.context.clear_cookies()
    sign_in(page, "lucia")
    page.wait_for_url("**/2fa/authenticate/")
    shoot(page, "account-totp-challenge")
    # The next period's code, so it differs from the one used to activate (a code works once).
    counter = int(time.time()) // 30 + 1
    time.sleep(max(0, counter * 30 - time.time()) + 0.2)
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, counter)))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/desk/**")


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp


def test_passkey_enrolment_and_sign_in(new_page, shoot, l1_agent, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page = new_page()
    _virtual_authenticator(page)
    sign_in(page, "lucia")
    page.wait_for_url("**/desk/**")
    page.goto("/accounts/security/")
    page.click("a[href='/accounts/2fa/']")
    page.click("a[href='/accounts/2fa/webauthn/add/']")
    reauthenticate_if_asked(page)
    page.wait_for_url("**/2fa/webauthn/add/**")
    page.fill("input[name=name]", "Portátil")
    page.check("input[name=passwordless]")
    shoot(page, "account-passkey-add")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    shoot(page, "account-passkey-added")
    assert l1_agent.user.authenticator_set.filter(type="webauthn").exists()

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    shoot(page, "account-login-with-passkey")
    page.click("#passkey_login")
    page.wait_for_url("**/desk/**")
    from escala.accounts.models import SignInRecord

    assert SignInRecord.objects.filter(success=True).latest("at").method == "passkey"


def test_lockout_after_repeated_failures_and_its_expiry(new_page, shoot, employee, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/4s/ip"}
    page = new_page()
    for _ in range(3):
        sign_in(page, "marta", "wrong")
        page.wait_for_load_state()
    sign_in(page, "marta", "pw")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    alert = page.locator(".form-errors").inner_text()
    assert "Too many failed login attempts" in alert or "Demasiados intentos" in alert
    shoot(page, "account-locked-out")
    time.sleep(4.5)
    sign_in(page, "marta", "pw")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_requester_signs_in_with_a_link_by_mail_in_spanish(new_page, shoot, employee, mailoutbox):
    page = new_page()
    page.goto("/accounts/login/")
    page.select_option("#lang-select", "es")
    page.wait_for_load_state()
    page.click("#sign-in-link")
    page.fill("input[name=email]", employee.email)
    shoot(page, "account-link-ask-es")
    page.click("main form button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Revise su correo")
    link = re.search(r"https?://\S+/accounts/link/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    shoot(page, "account-link-confirm-es")
    page.click("#link-sign-in")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert "Mis solicitudes" in page.content()


def test_a_customer_registers_from_the_sign_in_page(new_page, shoot, customer_org, mailoutbox):
    from escala.accounts.models import SelfRegistration

    SelfRegistration.objects.create(domain="fibrarapida.example", organization=customer_org)
    page = new_page()
    page.goto("/accounts/login/")
    page.click("a[href='/accounts/register/']")
    page.fill("input[name=name]", "Eva Núñez")
    page.fill("input[name=email]", "eva@fibrarapida.example")
    page.select_option("#id_language", "en")
    shoot(page, "account-register")
    page.click("main form button[type=submit]")
    wait_for_mail(mailoutbox)
    shoot(page, "account-register-sent")
    link = re.search(r"https?://\S+/accounts/register/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.fill("input[name=password1]", "Mesa-de-ayuda-2026")
    page.fill("input[name=password2]", "Mesa-de-ayuda-2026")
    shoot(page, "account-register-password")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.locator("a.whoami").inner_text().startswith("Eva")


def test_an_admin_reads_the_sign_in_log_and_ends_a_session(new_page, shoot, admin_user, employee):
    victim = new_page()
    sign_in(victim, "marta")
    victim.wait_for_url(lambda url: "/accounts/login/" not in url)
    page = new_page()
    sign_in(page, "admin")
    shoot(page, "account-admin-signed-in")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/accounts/security/")
    page.click("#admin-sign-in-log")
    page.wait_for_url("**/admin/accounts/signinrecord/**")
    assert "marta" in page.locator("#result_list").inner_text()
    shoot(page, "account-admin-sign-in-log")
    page.goto("/admin/usersessions/usersession/?q=marta")
    page.check("#result_list input[name=_selected_action]")
    page.select_option("select[name=action]", "end_these_sessions")
    page.click("button[name=index]")
    shoot(page, "account-admin-sessions-ended")
    victim.goto("/")
    assert "/accounts/login/" in victim.url
