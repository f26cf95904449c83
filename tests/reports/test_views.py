"""Who sees the dashboard, what it shows, and the CSV of each figure."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.reports.figures import FIGURES


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_a_supervisor_sees_every_figure_with_its_definition(as_user, supervisor, desk_morning):
    page = as_user(supervisor.user).get(
        "/desk/reports/", {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    for figure in FIGURES:
        assert f'id="{figure.key}"' in html
        assert str(figure.definition)[:40] in html
    assert "<svg" in html
    assert "<title" in html


def test_the_dashboard_page_costs_a_fixed_number_of_queries(as_user, supervisor, desk_morning):
    from escala.reports.rollups import refresh_stale

    refresh_stale()  # the worker adds up the morning's changes; the page only reads
    client = as_user(supervisor.user)
    params = {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/reports/", params).status_code == 200
    # session, user, agent, stale days?, 19 aggregates, 3 filter lists
    assert len(queries) <= 26


def test_an_agent_who_is_not_a_supervisor_is_refused(as_user, l1_agent):
    assert as_user(l1_agent.user).get("/desk/reports/").status_code == 403


def test_a_requester_does_not_learn_the_page_exists(as_user, employee):
    assert as_user(employee.user).get("/desk/reports/").status_code == 404
    assert as_user(employee.user).get("/desk/reports/me/").status_code == 404


def test_an_administrator_sees_the_dashboard(as_user, admin_user, tiers):
    assert as_user(admin_user).get("/desk/reports/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/desk/reports/").status_code == 302


def test_a_bad_period_is_shown_on_its_field_and_the_default_is_used(as_user, supervisor):
    page = as_user(supervisor.user).get(
        "/desk/reports/", {"period": "custom", "start": "2026-03-09", "end": "2026-03-01"}
    )
    assert page.status_code == 200
    assert 'role="alert"' in page.content.decode()


def test_each_figure_downloads_as_csv_with_the_same_numbers(as_user, supervisor, desk_morning):
    client = as_user(supervisor.user)
    params = {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    response = client.get("/desk/reports/csv/resolution-rates/", params)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1:] == ["3", "4", "75.0"]  # Level 1: 3 of 4
    assert rows[2][1:] == ["1", "4", "25.0"]  # first contact: 1 of 4
    for figure in FIGURES:
        assert client.get(f"/desk/reports/csv/{figure.key}/", params).status_code == 200
    assert client.get("/desk/reports/csv/nonsense/").status_code == 404


def test_agents_see_their_own_figures(as_user, l1_agent, desk_morning):
    page = as_user(l1_agent.user).get(
        "/desk/reports/me/", {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    )
    assert page.status_code == 200
    assert page.context["mine"].resolved == 4
    assert page.context["fcr"] == 25.0


HOSTILE = ["=cmd|' /C calc'!A0", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def hostile_names(desk_morning, vendor, categories, teams, tiers, employee):
    """Every name a figure can show, turned into a formula (CSV injection)."""
    from escala.people.models import Organization
    from escala.tiers.models import Category, SupportTier, Team, Vendor

    Vendor.objects.filter(pk=vendor.pk).update(name=HOSTILE[0])
    for n, category in enumerate(Category.objects.all()):
        category_name = HOSTILE[n % len(HOSTILE)] + f" {n}"
        Category.objects.filter(pk=category.pk).update(name_en=category_name, name_es=category_name)
    for n, team in enumerate(Team.objects.all()):
        Team.objects.filter(pk=team.pk).update(name=f"{HOSTILE[(n + 1) % len(HOSTILE)]} {n}")
    for n, tier in enumerate(SupportTier.objects.all()):
        name = f"{HOSTILE[(n + 2) % len(HOSTILE)]} {n}"
        SupportTier.objects.filter(pk=tier.pk).update(name_en=name, name_es=name)
    Organization.objects.filter(pk=employee.organization_id).update(name=HOSTILE[3])
    from escala.core import memo

    memo.forget_config()


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("figure", [f.key for f in FIGURES])
def test_no_cell_of_a_csv_export_starts_a_formula(as_user, supervisor, hostile_names, figure):
    client = as_user(supervisor.user)
    params = {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    response = client.get(f"/desk/reports/csv/{figure}/", params)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert [c for c in dangerous if not _is_number(c)] == []
    if figure == "vendors":
        assert "'" + HOSTILE[0] in cells  # shown as the text it is


def test_a_text_cell_is_neutralised_and_a_number_is_left_alone():
    from escala.core.csvsafe import neutralise

    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    assert neutralise("Lucía") == "Lucía"
    assert neutralise(-2.5) == -2.5
    assert neutralise(None) is None
