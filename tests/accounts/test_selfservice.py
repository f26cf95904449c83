"""Requesters on their own: the sign-in link and self-registration, without telling an attacker
which addresses have accounts."""

import re

import pytest
from django.conf import settings
from django.test import Client

from escala.accounts.models import SelfRegistration, SignInPolicy, SignInRecord
from escala.people.models import Requester

pytestmark = pytest.mark.django_db


def link_in(mail) -> str:
    return re.search(r"https?://\S+(/accounts/\S+/)", mail.body).group(1)


def test_a_requester_signs_in_once_with_the_link_from_the_mail(employee, mailoutbox):
    client = Client()
    page = client.post("/accounts/link/", {"email": employee.email.upper()})
    assert page.status_code == 200
    assert len(mailoutbox) == 1
    path = link_in(mailoutbox[0])
    assert client.get(path).status_code == 200  # a button: mail scanners do not sign in
    assert "_auth_user_id" not in client.session
    response = client.post(path)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.user.pk)
    assert SignInRecord.objects.get(success=True).method == "magic_link"
    # Single use: the same link again, from anyone, is refused.
    assert Client().post(path).status_code == 400


def test_the_link_expires(employee, mailoutbox, monkeypatch):
    Client().post("/accounts/link/", {"email": employee.email})
    path = link_in(mailoutbox[0])
    import time as real_time

    later = real_time.time() + settings.ESCALA_MAGIC_LINK_SECONDS + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    client = Client()
    assert client.post(path).status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_page_answers_the_same_for_unknown_addresses_and_agents(employee, l1_agent, mailoutbox):
    known = Client().post("/accounts/link/", {"email": employee.email}).content.decode()
    unknown = Client().post("/accounts/link/", {"email": "nadie@x.example"}).content.decode()
    agent = Client().post("/accounts/link/", {"email": l1_agent.user.email}).content.decode()

    def strip(body: str, email: str) -> str:
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body.replace(email, "E"))
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", body)

    assert strip(known, employee.email) == strip(unknown, "nadie@x.example")
    assert len(mailoutbox) == 1  # agents sign in with their password (and second factor)
    assert agent


def test_the_admin_can_turn_the_link_off(employee, mailoutbox):
    SignInPolicy.objects.update_or_create(pk=1, defaults={"magic_link_enabled": False})
    response = Client().post("/accounts/link/", {"email": employee.email})
    assert response.status_code == 422
    assert mailoutbox == []


@pytest.fixture
def open_domain(customer_org):
    return SelfRegistration.objects.create(domain="FibraRapida.example", organization=customer_org)


def test_a_customer_registers_after_confirming_the_address(open_domain, mailoutbox):
    client = Client()
    response = client.post(
        "/accounts/register/",
        {"name": "Eva Núñez", "email": "eva@fibrarapida.example", "language": "es"},
    )
    assert response.status_code == 200
    assert not Requester.objects.filter(email="eva@fibrarapida.example").exists()
    path = link_in(mailoutbox[0])
    weak = client.post(path, {"password1": "123", "password2": "123"})
    assert weak.status_code == 422  # Django's password validators
    done = client.post(path, {"password1": "Mesa-de-ayuda-2026", "password2": "Mesa-de-ayuda-2026"})
    assert done.status_code == 302
    requester = Requester.objects.select_related("user").get(email="eva@fibrarapida.example")
    assert requester.organization == open_domain.organization
    assert requester.user.emailaddress_set.get().verified
    assert client.session["_auth_user_id"] == str(requester.user.pk)
    # The link does not make a second account.
    again = Client().post(
        path, {"password1": "Mesa-de-ayuda-2026", "password2": "Mesa-de-ayuda-2026"}
    )
    assert again.status_code == 422


def test_a_domain_without_self_registration_is_refused_at_the_field(open_domain, mailoutbox):
    response = Client().post(
        "/accounts/register/", {"name": "X", "email": "x@otra.example", "language": "en"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["email"]
    assert mailoutbox == []


def test_registering_a_taken_address_tells_only_its_mailbox(open_domain, customer, mailoutbox):
    customer.email = "john@fibrarapida.example"
    customer.save()
    page = Client().post(
        "/accounts/register/",
        {"name": "John", "email": "john@fibrarapida.example", "language": "en"},
    )
    assert page.status_code == 200
    assert "/accounts/register/" not in mailoutbox[0].body
    assert "/accounts/login/" in mailoutbox[0].body


def test_a_forged_registration_link_makes_nothing(open_domain):
    response = Client().post(
        "/accounts/register/forged/", {"password1": "Mesa-2026-x", "password2": "Mesa-2026-x"}
    )
    assert response.status_code == 400
    assert not Requester.objects.exists()
