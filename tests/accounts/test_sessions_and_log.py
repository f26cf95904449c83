"""Sessions and audit: one's own sessions, the admins' sign-in log and ending anyone's sessions;
password reset and change."""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from escala.accounts.models import SignInRecord

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_log_records_who_when_where_how_and_whether(employee):
    sign_in("marta", "wrong", address="203.0.113.5", HTTP_USER_AGENT="Curioso/1.0")
    sign_in("marta", "pw", address="198.51.100.7")
    sign_in("nobody", "x", address="203.0.113.5")
    failed, ok, unknown = SignInRecord.objects.order_by("id")
    assert (failed.user, failed.success, failed.ip, failed.method) == (
        employee.user,
        False,
        "203.0.113.5",
        "password",
    )
    assert failed.user_agent == "Curioso/1.0"
    assert (ok.user, ok.success, ok.ip) == (employee.user, True, "198.51.100.7")
    assert (unknown.user, unknown.login, unknown.success) == (None, "nobody", False)


def test_a_person_sees_and_ends_their_own_other_session(employee, customer):
    laptop, _ = sign_in("marta", "pw", address="198.51.100.1", HTTP_USER_AGENT="Laptop")
    phone, _ = sign_in("marta", "pw", address="198.51.100.2", HTTP_USER_AGENT="Phone")
    sign_in("john", "pw")
    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "198.51.100.2" in body
    assert "10.0.0.1" not in body  # john's session is not listed
    assert len(UserSession.objects.filter(user=employee.user)) == 2
    laptop.post("/accounts/sessions/", {"action": "sign_out_others"})
    assert phone.get("/").status_code == 302  # signed out
    assert laptop.get("/").status_code == 200
    assert UserSession.objects.filter(user=customer.user).count() == 1


def test_the_security_page_links_everything_and_admin_links_only_for_admins(employee, admin_user):
    client = Client()
    client.force_login(employee.user)
    body = client.get("/accounts/security/").content.decode()
    for url in ("/accounts/password/change/", "/accounts/2fa/", "/accounts/sessions/"):
        assert url in body
    assert "/admin/accounts/signinrecord/" not in body
    assert "/accounts/security/" in client.get("/").content.decode()  # the user menu
    client.force_login(admin_user)
    body = client.get("/accounts/security/").content.decode()
    assert "/admin/accounts/signinrecord/" in body


def test_admins_read_the_log_and_end_anyones_sessions(employee, admin_user, l1_agent):
    victim, _ = sign_in("marta", "pw")
    admin = Client()
    admin.force_login(admin_user)
    log = admin.get("/admin/accounts/signinrecord/")
    assert log.status_code == 200
    assert "marta" in log.content.decode()
    ids = [str(s.pk) for s in UserSession.objects.filter(user=employee.user)]
    admin.post(
        "/admin/usersessions/usersession/",
        {"action": "end_these_sessions", "_selected_action": ids},
    )
    assert victim.get("/").status_code == 302
    # An agent cannot read the log.
    agent = Client()
    agent.force_login(l1_agent.user)
    assert agent.get("/admin/accounts/signinrecord/").status_code == 302


def test_admins_end_all_sessions_of_a_person_from_the_users_list(employee, admin_user):
    victim, _ = sign_in("marta", "pw")
    forced = Client()
    forced.force_login(employee.user)
    admin = Client()
    admin.force_login(admin_user)
    admin.post(
        "/admin/auth/user/",
        {"action": "end_all_sessions", "_selected_action": [employee.user.pk]},
    )
    assert victim.get("/").status_code == 302
    assert forced.get("/").status_code == 302


def test_password_reset_tells_no_one_which_addresses_exist(employee, mailoutbox):
    known = Client().post("/accounts/password/reset/", {"email": employee.user.email})
    unknown = Client().post("/accounts/password/reset/", {"email": "nadie@x.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mailoutbox) == 2  # the unknown address gets "no account here", not a link
    assert "/password/reset/key/" in mailoutbox[0].body
    assert "/password/reset/key/" not in mailoutbox[1].body


def test_the_reset_link_expires(employee, mailoutbox, settings, monkeypatch):
    from datetime import timedelta

    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    Client().post("/accounts/password/reset/", {"email": employee.user.email})
    path = re.search(r"(/accounts/password/reset/key/\S+)", mailoutbox[0].body).group(1)
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60),
    )
    page = Client().get(path, follow=True)
    assert b'name="password1"' not in page.content


def test_changing_the_password_checks_it(employee):
    client = Client()
    client.force_login(employee.user)
    weak = client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw", "password1": "12345678", "password2": "12345678"},
    )
    assert weak.status_code == 200
    employee.user.refresh_from_db()
    assert employee.user.check_password("pw")
    strong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw", "password1": "Otra-clave-2026", "password2": "Otra-clave-2026"},
    )
    assert strong.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.check_password("Otra-clave-2026")


def test_the_signed_in_message_reads_in_the_language_the_person_chose(employee):
    employee.language = "es"
    employee.save(update_fields=["language"])
    client, response = sign_in("marta", "pw", HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Successfully signed in" not in page
    assert "Ha iniciado sesión" in page
