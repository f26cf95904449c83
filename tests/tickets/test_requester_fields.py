"""The one requester-field policy (escala.tickets.requester_fields) on every path: the action,
the portal, the API and mail. A requester describes the request; the desk weighs and routes it."""

import pytest
from django.test import Client
from django.urls import reverse

from escala.core.errors import ValidationFailed
from escala.mail import ingest
from escala.tickets import actions
from escala.tickets.models import Ticket
from escala.tickets.requester_fields import refused_fields, staff_fields_ignored
from tests.api.conftest import Api
from tests.mail.conftest import compose

pytestmark = pytest.mark.django_db

DESK_FIELDS = {
    "impact": "high",
    "urgency": "high",
    "channel": "phone",
    "team_id": 1,
    "assignee_id": 1,
    "tier": 2,
    "time_spent_minutes": 30,
    "internal": True,
}


def test_the_policy_names_every_desk_field_a_requester_sets(employee, l1_agent):
    refused = refused_fields(employee.user, {**DESK_FIELDS, "subject": "s", "impact2": "x"})
    assert set(refused) == set(DESK_FIELDS)
    assert refused_fields(l1_agent.user, DESK_FIELDS) == {}
    assert refused_fields(employee.user, {"impact": None, "channel": ""}) == {}


def test_mail_from_a_requester_loses_the_desk_fields_a_trusted_mailbox_keeps():
    asked = {"impact": "high", "urgency": "low", "subject": "x"}
    assert staff_fields_ignored(asked, trusted=False) == {"subject": "x"}
    assert staff_fields_ignored(asked, trusted=True) == asked


def test_the_action_refuses_a_requester_setting_impact_or_urgency(employee):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_ticket(
            requester=employee,
            subject="s",
            body="b",
            channel="portal",
            by=employee.user,
            impact="high",
            urgency="high",
        )
    assert set(refused.value.fields) == {"impact", "urgency"}
    assert not Ticket.objects.exists()


def test_an_agent_taking_a_call_sets_them(employee, l1_agent):
    ticket = actions.create_ticket(
        requester=employee,
        subject="s",
        body="b",
        channel="phone",
        by=l1_agent.user,
        impact="high",
        urgency="high",
    )
    assert (ticket.impact, ticket.urgency, ticket.priority, ticket.channel) == (
        "high",
        "high",
        "critical",
        "phone",
    )


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("impact", "high"), ("urgency", "high"), ("channel", "phone"), ("channel", "api")],
)
def test_the_api_refuses_a_requesters_desk_field_by_name(employee, field, value):
    response = Api(employee.user).post("tickets", {"subject": "s", "body": "b", field: value})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert not Ticket.objects.exists()


def test_the_api_refuses_several_desk_fields_at_once(employee):
    body = {"subject": "s", "body": "b", "impact": "high", "urgency": "high", "channel": "phone"}
    response = Api(employee.user).post("tickets", body)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"impact", "urgency", "channel"}


def test_unknown_fields_such_as_team_are_refused_by_name_too(employee):
    response = Api(employee.user).post("tickets", {"subject": "s", "body": "b", "team_id": 1})
    assert response.status_code == 422
    assert "team_id" in response.json()["error"]["fields"]


def test_the_api_files_a_requesters_plain_request_at_medium_by_api(employee):
    response = Api(employee.user).post("tickets", {"subject": "s", "body": "b"})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.impact, ticket.urgency, ticket.channel) == ("medium", "medium", "api")


def test_an_agent_sets_them_through_the_api(employee, l1_agent):
    body = {"subject": "s", "body": "b", "requester_id": employee.pk}
    response = Api(l1_agent.user).post(
        "tickets", {**body, "impact": "high", "urgency": "high", "channel": "phone"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == "critical"
    assert response.json()["channel"] == "phone"


def test_a_requester_cannot_raise_the_priority_afterwards(employee):
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee)
    response = Api(employee.user).patch(
        f"tickets/{ticket.pk}", {"impact": "high", "priority": "critical"}
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"impact", "priority"}
    ticket.refresh_from_db()
    assert ticket.priority != "critical"


# --- The portal --------------------------------------------------------------------------------


def test_the_portal_refuses_a_forged_desk_field_and_files_nothing(employee):
    client = Client()
    client.force_login(employee.user)
    response = client.post(
        reverse("portal:new_request"),
        {"subject": "s", "description": "d", "impact": "high", "channel": "phone"},
    )
    assert response.status_code == 422
    errors = response.context["form"].non_field_errors()
    assert [e.split(":")[0] for e in errors] == ["channel", "impact"]
    assert all(e in response.content.decode() for e in errors)
    assert not Ticket.objects.exists()


def test_the_portal_refuses_a_forged_internal_reply(employee):
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee)
    client = Client()
    client.force_login(employee.user)
    response = client.post(
        reverse("portal:action", args=[ticket.pk, "reply"]),
        {"reply-body": "hola", "reply-internal": "1", "reply-version": ticket.version},
    )
    assert response.status_code == 200
    errors = response.context["reply_form"].non_field_errors()
    assert [e.split(":")[0] for e in errors] == ["internal"]
    assert ticket.messages.count() == 1


# --- Mail -------------------------------------------------------------------------------------


def test_a_requesters_mail_cannot_set_impact_or_urgency(employee, settings):
    settings.ESCALA_MAIL_SENDER_POLICY = "lenient"  # unsigned test mail; the fields are the point
    headers = {"X-Escala-Impact": "high", "X-Escala-Urgency": "high"}
    mail = ingest.ingest(compose(sender=employee.user.email, headers=headers))
    ticket = mail.ticket
    assert (ticket.impact, ticket.urgency, ticket.priority) == ("medium", "medium", "medium")
    assert ticket.channel == "email"
