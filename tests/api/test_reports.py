"""/api/v1/reports/…: the tier dashboard's figures as JSON, for supervisors and admins only, with
the same numbers as the dashboard's own CSV for the same filters."""

import csv
import io

import pytest
from django.test import Client

from escala.reports.figures import FIGURES
from tests.reports.conftest import _leave_the_language_as_found, desk_morning  # noqa: F401

pytestmark = pytest.mark.django_db

WEEK = {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}


def _csv_rows(user, key: str, params: dict) -> list[list[str]]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/desk/reports/csv/{key}/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _as_csv(value) -> str:
    return "" if value is None else str(value)


def test_every_figure_has_the_dashboards_numbers(api_as, supervisor, desk_morning):  # noqa: F811
    api = api_as(supervisor)
    for key in [f.key for f in FIGURES]:
        response = api.client.get(f"/api/v1/reports/{key}", WEEK, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["key"] == key
        assert body["period"] == {"start": "2026-03-01", "end": "2026-03-07"}
        assert body["definition"]
        table = _csv_rows(supervisor.user, key, WEEK)
        assert [body["columns"], *[[_as_csv(v) for v in row] for row in body["rows"]]] == table
        # The morning has no survey answers, deflections, problems or major incidents.
        empty = ("sla", "deflections", "csat", "problems", "major-incidents")
        assert len(table) > 1 or key in empty, key


def test_the_level_1_resolution_figure_in_json(api_as, supervisor, desk_morning):  # noqa: F811
    body = (
        api_as(supervisor)
        .client.get("/api/v1/reports/resolution-rates", WEEK, HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert body["rows"][0] == ["Level 1 resolution", 3, 4, 75.0]
    assert body["columns"] == ["Figure", "Tickets", "Out of", "Rate (%)"]


def test_filters_narrow_the_figure(api_as, supervisor, desk_morning, categories):  # noqa: F811
    password = {**WEEK, "category": categories["password"].pk}  # A, C and D
    body = api_as(supervisor).get("reports/resolution-rates", **password).json()
    assert body["rows"][0][1:3] == [3, 3]


def test_the_list_of_figures(api_as, admin_user):
    response = api_as(admin_user).get("reports")
    assert response.status_code == 200
    assert [f["key"] for f in response.json()] == [f.key for f in FIGURES]


def test_an_agent_who_is_not_a_supervisor_is_refused(api_as, l1_agent):
    for path in ("reports", "reports/csat"):
        response = api_as(l1_agent).get(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_a_requester_does_not_learn_that_reports_exist(api_as, employee):
    for path in ("reports", "reports/csat"):
        response = api_as(employee).get(path)
        assert response.status_code == 404
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_without_a_token_the_reports_need_authentication():
    assert Client().get("/api/v1/reports/csat").status_code == 401


def test_an_unknown_figure_is_not_found(api_as, supervisor):
    response = api_as(supervisor).get("reports/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_bad_filters_are_refused_on_their_field(api_as, supervisor):
    api = api_as(supervisor)
    cases = [
        ({"period": "custom"}, "start"),
        ({"period": "custom", "start": "2026-03-07", "end": "2026-03-01"}, "end"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "end"),
        ({"organization": 999999}, "organization"),
        ({"team": 999999}, "team"),
        ({"period": "12"}, "period"),
    ]
    for params, field in cases:
        response = api.get("reports/csat", **params)
        assert response.status_code == 422, params
        assert field in response.json()["error"]["fields"], params
