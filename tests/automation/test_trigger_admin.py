"""Admins define triggers with rows of choices; a bad row is refused at its field."""

import pytest

from escala.automation.models import Trigger
from escala.tickets.choices import EventKind

pytestmark = pytest.mark.django_db

ADD = "/admin/automation/trigger/add/"


def rows(conditions=(), actions=(), **fields):
    data = {"name": "VIP", "event": EventKind.CREATED, "order": 100, "is_active": "on", **fields}
    for i, (field, op, value) in enumerate(conditions):
        data |= {f"condition_{i}_field": field, f"condition_{i}_op": op}
        data[f"condition_{i}_value"] = value
    for i, (action, value) in enumerate(actions):
        data |= {f"action_{i}_action": action, f"action_{i}_value": value}
    return data


@pytest.fixture
def admin_client(client, admin_user, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(admin_user)
    return client


def errors_of(response):
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def test_the_form_offers_rows_of_choices_not_json(admin_client):
    body = admin_client.get(ADD).content.decode()
    assert 'name="condition_0_field"' in body
    assert 'name="action_0_action"' in body
    assert 'name="conditions"' not in body
    assert "Has an assignee" in body  # the condition fields are choices with labels


def test_a_trigger_is_saved_with_canonical_values(admin_client, teams, l1_agent):
    response = admin_client.post(
        ADD,
        rows(
            conditions=[
                ("priority", "in", "High, critical"),
                ("team", "is", "Service Desk"),
                ("assigned", "is", "no"),
            ],
            actions=[
                ("add_tag", "Cliente VIP"),
                ("assign", "lucia"),
                ("notify", "Supervisors"),
                ("escalate", "VIP customers go straight to Level 2"),
            ],
        ),
    )
    assert response.status_code == 302, errors_of(response)
    trigger = Trigger.objects.get(name="VIP")
    assert trigger.conditions == [
        {"field": "priority", "op": "in", "value": ["high", "critical"]},
        {"field": "team", "op": "is", "value": str(teams["Service Desk"].pk)},
        {"field": "assigned", "op": "is", "value": "false"},
    ]
    assert trigger.actions == [
        {"action": "add_tag", "value": "cliente-vip"},
        {"action": "assign", "value": l1_agent.pk},
        {"action": "notify", "value": "supervisors"},
        {"action": "escalate", "reason": "VIP customers go straight to Level 2"},
    ]


def test_editing_shows_the_rows_by_name_and_keeps_them(admin_client, teams):
    trigger = Trigger.objects.create(
        name="Networks",
        event=EventKind.ESCALATED,
        conditions=[{"field": "team", "op": "is", "value": str(teams["Networks"].pk)}],
        actions=[{"action": "set_priority", "value": "high"}],
    )
    url = f"/admin/automation/trigger/{trigger.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    assert form.initial["condition_0_value"] == "Networks"
    assert form.initial["action_0_action"] == "set_priority"
    assert "condition_2_field" in form.fields  # blank rows to add more

    data = rows(
        name="Networks",
        event=EventKind.ESCALATED,
        conditions=[("team", "is", "Networks")],
        actions=[("set_priority", "high"), ("add_tag", "red")],
    )
    assert admin_client.post(url, data).status_code == 302
    trigger.refresh_from_db()
    assert trigger.actions[-1] == {"action": "add_tag", "value": "red"}


def test_editing_an_escalation_keeps_the_handover_text_the_form_does_not_show(admin_client):
    trigger = Trigger.objects.create(
        name="Outage",
        event=EventKind.CREATED,
        conditions=[{"field": "priority", "op": "is", "value": "critical"}],
        actions=[{"action": "escalate", "reason": "Critical", "handover": "Call the on-call DBA."}],
    )
    url = f"/admin/automation/trigger/{trigger.pk}/change/"
    data = rows(
        name="Outage (renamed)",
        conditions=[("priority", "is", "critical")],
        actions=[("escalate", "Critical outage")],
    )
    assert admin_client.post(url, data).status_code == 302
    trigger.refresh_from_db()
    assert trigger.actions == [
        {"action": "escalate", "reason": "Critical outage", "handover": "Call the on-call DBA."}
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            rows(conditions=[("status", "is", "sleeping")], actions=[("add_tag", "x")]),
            "condition_0_value",
            "“sleeping” is not one of: new, open, pending_customer",
        ),
        (
            rows(conditions=[("team", "is", "Nobody")], actions=[("add_tag", "x")]),
            "condition_0_value",
            "There is no team “Nobody”.",
        ),
        (
            rows(conditions=[("", "is", "high")], actions=[("add_tag", "x")]),
            "condition_0_field",
            "Choose the field this value is for.",
        ),
        (
            rows(conditions=[("priority", "is", "")], actions=[("add_tag", "x")]),
            "condition_0_value",
            "Write the value to compare with.",
        ),
        (rows(), "action_0_action", "A trigger needs at least one action."),
        (rows(actions=[("set_status", "")]), "action_0_value", "This action needs a value."),
        (
            rows(actions=[("add_tag", "x"), ("assign", "nobody")]),
            "action_1_value",
            "There is no agent “nobody”.",
        ),
        (
            rows(actions=[("notify", "everyone")]),
            "action_0_value",
            "Write “assignee”, “supervisors” or an agent (id or user name).",
        ),
        (
            rows(conditions=[("tier_level", "is", "7")], actions=[("add_tag", "x")]),
            "condition_0_value",
            "“7” is not a tier level (1, 2, 3, 4).",
        ),
    ],
)
def test_an_invalid_row_is_refused_at_its_field(admin_client, teams, data, field, message):
    errors = errors_of(admin_client.post(ADD, data))
    assert message in " ".join(errors[field])
    assert not Trigger.objects.exists()


def test_errors_read_in_spanish(client, admin_user, settings, teams):
    settings.LANGUAGE_CODE = "es"
    client.force_login(admin_user)
    response = client.post(
        ADD, rows(conditions=[("team", "is", "Nadie")]), headers={"accept-language": "es"}
    )
    errors = errors_of(response)
    assert "No existe el equipo «Nadie»." in errors["condition_0_value"]
    assert "Un disparador necesita al menos una acción." in errors["action_0_action"]
    assert "Condiciones" in response.content.decode()


def test_a_saved_trigger_fires(admin_client, frozen_clock, committed, customer, categories):
    from escala.automation.queries import tags_of
    from escala.tickets.actions import create_ticket
    from escala.tickets.choices import Channel

    admin_client.post(
        ADD, rows(conditions=[("channel", "is", "Phone")], actions=[("add_tag", "by phone")])
    )
    with committed():
        ticket = create_ticket(
            requester=customer, subject="S", body="B", channel=Channel.PHONE, by=None
        )
    assert tags_of(ticket) == ["by-phone"]


MACRO_ADD = "/admin/automation/macro/add/"


def macro(**fields):
    return {"name_en": "Thanks", "name_es": "Gracias", "is_active": "on", **fields}


def test_a_macro_with_known_placeholders_is_saved(admin_client):
    from escala.automation.models import Macro

    body = admin_client.get(MACRO_ADD).content.decode()
    assert "{{ requester.name }}" in body  # the admin is told which placeholders exist
    response = admin_client.post(
        MACRO_ADD,
        macro(body_en="Hi {{ requester.name }}", body_es="Hola {{requester.name}}"),
    )
    assert response.status_code == 302
    assert Macro.objects.get().body_es == "Hola {{requester.name}}"


def test_a_macro_with_an_unknown_placeholder_is_refused_at_its_field(admin_client):
    from escala.automation.models import Macro

    errors = errors_of(
        admin_client.post(
            MACRO_ADD, macro(body_en="Hi {{ requester.name }}", body_es="Hola {{ nombre }}")
        )
    )
    assert "Unknown placeholder {{ nombre }}." in errors["body_es"][0]
    assert "body_en" not in errors
    assert not Macro.objects.exists()


def test_an_empty_macro_is_refused(admin_client):
    errors = errors_of(admin_client.post(MACRO_ADD, macro()))
    assert errors["__all__"] == ["A macro needs a reply or a field to set."]
