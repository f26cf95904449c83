"""Every problem and major-incident change reaches webhook subscribers, in its transaction."""

import pytest

from escala.problems import actions
from escala.problems import major_incidents as mi
from escala.webhooks import actions as webhooks
from escala.webhooks.models import Delivery


@pytest.fixture
def subscribed(admin_user):
    return webhooks.subscribe(
        by=admin_user,
        name="ITSM",
        url="http://127.0.0.1:9/hook",
        allow_private_network=True,
        events=[
            "problem.opened",
            "problem.changed",
            "problem.known_error",
            "major_incident.declared",
            "major_incident.resolved",
        ],
    )


def test_problem_changes_are_delivered(subscribed, l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    actions.record_root_cause(problem=problem, by=l3_engineer.user, root_cause="cert")
    actions.publish_workaround(
        problem=problem, by=l3_engineer.user, workaround_es="a", workaround_en="b"
    )
    events = list(Delivery.objects.order_by("pk").values_list("event", flat=True))
    assert events[0] == "problem.opened"
    assert events[-1] == "problem.known_error"
    assert "problem.changed" in events
    last = Delivery.objects.order_by("pk").last().payload
    assert last["problem"]["reference"] == problem.reference
    assert last["problem"]["status"] == "known_error"


def test_a_refused_change_delivers_nothing(subscribed, l1_agent):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    before = Delivery.objects.count()
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal
        actions.record_root_cause(problem=problem, by=l1_agent.user, root_cause="x")
    assert Delivery.objects.count() == before


def test_major_incident_declared_and_resolved(subscribed, l1_agent):
    incident = mi.declare_major_incident(by=l1_agent.user, title_es="VPN")
    mi.resolve_major_incident(incident=incident, by=l1_agent.user, body_es="ok")
    events = list(Delivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["major_incident.declared", "major_incident.resolved"]
    assert Delivery.objects.order_by("pk").last().payload["major_incident"]["status"] == "resolved"
