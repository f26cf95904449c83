"""The dashboard's problem and major-incident figures, against scenarios computed by hand."""

from datetime import date

import pytest

from escala.problems import actions
from escala.problems import major_incidents as mi
from escala.problems.choices import ProblemStatus
from escala.reports.figures import figure_json, figure_table
from escala.reports.queries import Filters, dashboard
from tests.conftest import make_requester
from tests.tickets.factories import open_ticket

WEEK = Filters(start=date(2026, 3, 2), end=date(2026, 3, 8))  # the frozen clock starts Mon 9:00


@pytest.fixture
def story(frozen_clock, l1_agent, l3_engineer, employee, internal_dept, customer):
    """Mon 9:00 two VPN tickets; problem opened at 9:00; root cause at 12:00 (3 h); workaround
    at 15:00 (6 h); closed Tue 9:00; Wed 9:00 a VPN ticket comes back and is linked. A second
    problem opened Tue 9:00 is still investigating. A major incident declared Mon 9:00 with two
    tickets, one banner subscriber, two updates (one final), resolved Mon 13:30 (4.5 h)."""
    first = [open_ticket(employee, subject="VPN"), open_ticket(employee, subject="VPN 2")]
    vpn = actions.open_problem(by=l1_agent.user, title="VPN", tickets=first)
    frozen_clock.advance(hours=3)
    actions.record_root_cause(problem=vpn, by=l3_engineer.user, root_cause="cert")
    frozen_clock.advance(hours=3)
    actions.publish_workaround(
        problem=vpn, by=l3_engineer.user, workaround_es="paso", workaround_en="step"
    )
    frozen_clock.advance(hours=18)
    actions.change_problem_status(problem=vpn, by=l3_engineer.user, to=ProblemStatus.CLOSED)
    printer = actions.open_problem(by=l1_agent.user, title="Impresoras")
    frozen_clock.advance(hours=24)
    again = open_ticket(make_requester("Otro Empleado", internal_dept, kind="employee"))
    actions.link_tickets(problem=vpn, tickets=[again], by=l1_agent.user)

    frozen_clock.current = frozen_clock.current.replace(day=2, hour=9, minute=0)
    outage = mi.declare_major_incident(by=l1_agent.user, title_es="Caída", title_en="Outage")
    mi.link_to_major_incident(
        incident=outage,
        tickets=[open_ticket(employee, subject="x"), open_ticket(employee, subject="y")],
        by=l1_agent.user,
    )
    mi.subscribe(incident=outage, by=customer.user)
    mi.post_major_incident_update(incident=outage, by=l1_agent.user, body_es="En ello")
    frozen_clock.advance(hours=4, minutes=30)
    mi.resolve_major_incident(incident=outage, by=l1_agent.user, body_es="Arreglado")
    return vpn, printer, outage


def test_problem_figures_per_problem_and_overall(story):
    vpn, printer, _outage = story
    headers, rows = figure_table(dashboard(WEEK), "problems")
    assert len(headers) == 7
    overall, first, second = rows
    assert first == [vpn.reference, "VPN", "Closed", 3, 3.0, 6.0, 1]
    assert second == [printer.reference, "Impresoras", "Investigating", 0, None, None, 0]
    assert overall[3:] == [1.5, 3.0, 6.0, 1]  # 3 incidents over 2 problems; medians; came back


def test_major_incident_figures(story):
    _vpn, _printer, outage = story
    _headers, rows = figure_table(dashboard(WEEK), "major-incidents")
    overall, only = rows
    assert only == [outage.reference, "Outage", 2, 1, 2, 4.5]
    assert overall[2:] == [2, 1, 2, 4.5]


def test_other_periods_and_filters_narrow_the_figures(story, teams, customer_org):
    next_week = Filters(start=date(2026, 3, 9), end=date(2026, 3, 15))
    assert figure_table(dashboard(next_week), "problems")[1] == []
    by_org = Filters(WEEK.start, WEEK.end, organization_id=customer_org.pk)
    assert figure_table(dashboard(by_org), "problems")[1] == []  # no customer incidents
    assert figure_table(dashboard(by_org), "major-incidents")[1] == []


def test_the_figures_reach_the_api_and_the_csv(story, admin_user, client):
    data = figure_json(dashboard(WEEK), "major-incidents")
    assert data["key"] == "major-incidents"
    assert "banner" in data["definition"]
    client.force_login(admin_user)
    listed = client.get("/api/v1/reports")
    assert "problems" in {f["key"] for f in listed.json()}
    csv = client.get("/desk/reports/csv/problems/?start=2026-03-02&end=2026-03-08")
    assert csv.status_code == 200
    assert b"Hours to root cause" in csv.content
