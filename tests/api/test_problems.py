"""/api/v1/problems and /api/v1/major-incidents: the console's actions, the same refusals."""

from escala.problems.models import MajorIncident, Problem
from tests.tickets.factories import open_ticket

VPN = dict(subject="VPN caída", body="La VPN no conecta desde casa")


def test_a_problem_goes_from_investigation_to_known_error(api_as, l1_agent, l3_engineer, employee):
    ticket = open_ticket(employee, **VPN)
    made = api_as(l1_agent).post("problems", {"title": "VPN", "ticket_ids": [ticket.pk]})
    assert made.status_code == 201
    problem_id = made.json()["id"]
    assert made.json()["ticket_ids"] == [ticket.pk]
    engineer = api_as(l3_engineer)
    cause = engineer.post(f"problems/{problem_id}/root-cause", {"root_cause": "Certificado"})
    assert cause.json()["status"] == "root_cause_known"
    published = engineer.post(
        f"problems/{problem_id}/workaround", {"workaround_es": "Paso", "workaround_en": "Step"}
    )
    assert published.json()["status"] == "known_error"
    assert published.json()["article_id"] is not None
    listed = api_as(l1_agent).get("problems", status="known_error").json()
    assert [p["id"] for p in listed] == [problem_id]


def test_refusals_keep_the_one_error_shape(api_as, l1_agent, employee):
    problem = Problem.objects.get(pk=api_as(l1_agent).post("problems", {"title": "x"}).json()["id"])
    owners_only = api_as(l1_agent).post(f"problems/{problem.pk}/root-cause", {"root_cause": "y"})
    assert owners_only.status_code == 403
    assert owners_only.json()["error"]["code"] == "forbidden"
    unknown = api_as(l1_agent).post(f"problems/{problem.pk}/tickets", {"ticket_ids": [999999]})
    assert unknown.status_code == 422
    assert "tickets" in unknown.json()["error"]["fields"]
    bad_status = api_as(l1_agent).post(f"problems/{problem.pk}/status", {"status": "nope"})
    assert bad_status.status_code == 422


def test_requesters_see_no_problems(api_as, l1_agent, employee):
    api_as(l1_agent).post("problems", {"title": "x"})
    assert api_as(employee).get("problems").status_code == 403
    assert api_as(employee).post("major-incidents", {"title_es": "x"}).status_code == 403


def test_a_major_incident_over_the_api(api_as, l1_agent, employee):
    tickets = [open_ticket(employee, **VPN) for _ in range(2)]
    agent = api_as(l1_agent)
    made = agent.post("major-incidents", {"title_es": "VPN caída", "from_ticket_id": tickets[0].pk})
    assert made.status_code == 201
    incident_id = made.json()["id"]
    linked = agent.post(f"major-incidents/{incident_id}/tickets", {"ticket_ids": [tickets[1].pk]})
    assert sorted(linked.json()["ticket_ids"]) == sorted(t.pk for t in tickets)
    reach = agent.post(f"major-incidents/{incident_id}/updates", {"body_es": "En ello"})
    assert reach.json() == {"tickets": 2, "subscribers": 0, "missed": []}
    done = agent.post(f"major-incidents/{incident_id}/resolve", {"body_es": "Arreglado"})
    assert done.status_code == 200
    assert MajorIncident.objects.get().status == "resolved"
    again = agent.post(f"major-incidents/{incident_id}/updates", {"body_es": "otra"})
    assert again.status_code == 409
