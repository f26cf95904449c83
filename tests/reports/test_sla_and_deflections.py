"""SLA compliance and deflected requests on the dashboard, computed by hand.

SLA: the desk's morning (conftest.py) under one policy, on an always-open calendar: first
response within 15 min, next response within 20 min, resolution within 100 min; Level 1 resolves
or hands on within 45 min, Level 2 within 120 min. The ERP vendor answers within 4 h. At @540 the
sweep runs. Minutes counted by each clock:

  first response   A 10 met · B 20 breached · C 5 met · D 10 met · E never (540) breached · F 30
                   breached
  next response    C 10 met (Marta wrote @120, Lucía answered @130) · D 30 breached (Marta wrote
                   @300, resolved @330 without a reply)
  resolution       A 30 met · B 240 breached · C 60 + 60 (the resolved hour is not counted)
                   breached · D 41 (pending 11→300 is paused) met · E 540 breached · F 90 met
  tier (OLA)       the current stay: A 30 met · B 60 since it came back down @180, breached ·
                   C 60 since the reopen @120, breached · D 41 met · F 90 at Level 2 met ·
                   E is with the vendor (no internal stay)
  vendor           E referred @180: response due @420, passed at @540 (breached); resolution
                   (5 days) still running
Per tier: the tier holding the ticket now: A B C D at Level 1, F at Level 2, E at Level 4.
"""

from datetime import date, timedelta

import pytest
from django.db import connection

from escala.knowledge.actions import record_deflection
from escala.reports.figures import figure_json, figure_table
from escala.reports.metrics import SlaTally
from escala.reports.models import TicketFact
from escala.reports.queries import Filters, dashboard
from escala.sla.models import SlaPolicy, TierTarget
from escala.sla.sweep import sweep
from tests.knowledge.conftest import published_article

WEEK = Filters(start=date(2026, 3, 1), end=date(2026, 3, 7))
M = timedelta(minutes=1)


@pytest.fixture
def sla_targets(tiers):
    SlaPolicy.objects.create(
        name="Everything",
        first_response_target=15 * M,
        next_response_target=20 * M,
        resolution_target=100 * M,
    )
    TierTarget.objects.create(tier=tiers[1], target=45 * M)
    TierTarget.objects.create(tier=tiers[2], target=120 * M)


@pytest.fixture
def swept_morning(sla_targets, desk_morning, frozen_clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep(frozen_clock.current)
    return desk_morning


EXPECTED = {
    ("first_response", None): SlaTally(met=3, breached=3),
    ("first_response", 1): SlaTally(met=3, breached=1),
    ("first_response", 2): SlaTally(breached=1),
    ("first_response", 4): SlaTally(breached=1),
    ("next_response", None): SlaTally(met=1, breached=1),
    ("next_response", 1): SlaTally(met=1, breached=1),
    ("resolution", None): SlaTally(met=3, breached=3),
    ("resolution", 1): SlaTally(met=2, breached=2),
    ("resolution", 2): SlaTally(met=1),
    ("resolution", 4): SlaTally(breached=1),
    ("tier", None): SlaTally(met=3, breached=2),
    ("tier", 1): SlaTally(met=2, breached=2),
    ("tier", 2): SlaTally(met=1),
    ("vendor_response", None): SlaTally(breached=1),
    ("vendor_response", 4): SlaTally(breached=1),
    ("vendor_resolution", None): SlaTally(running=1),
    ("vendor_resolution", 4): SlaTally(running=1),
}


def test_sla_compliance_per_clock_and_per_tier(swept_morning):
    dash = dashboard(WEEK)
    assert dash.sla == EXPECTED
    assert dash.sla[("tier", None)].compliance == 0.6
    assert dash.sla[("vendor_resolution", None)].compliance is None


def test_two_filters_read_the_sla_from_the_facts_and_agree(swept_morning, employee, categories):
    password = categories["password"].pk  # A, C and D
    one = dashboard(Filters(WEEK.start, WEEK.end, category_id=password))  # day summaries
    both = dashboard(
        Filters(
            WEEK.start, WEEK.end, organization_id=employee.organization_id, category_id=password
        )
    )  # per-ticket facts
    assert one.sla == both.sla
    assert both.sla[("resolution", None)] == SlaTally(met=2, breached=1)
    assert both.sla[("next_response", 1)] == SlaTally(met=1, breached=1)  # C and D


def test_a_running_clock_counts_as_breached_once_its_due_time_has_passed(
    sla_targets, frozen_clock, django_capture_on_commit_callbacks, employee, categories
):
    from tests.tickets.factories import open_ticket

    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(employee, category=categories["password"])
    assert dashboard(WEEK).sla[("first_response", None)] == SlaTally(running=1)
    frozen_clock.current += 16 * M
    with django_capture_on_commit_callbacks(execute=True):
        sweep(frozen_clock.current)  # records the breach: an event, so the facts follow
    assert dashboard(WEEK).sla[("first_response", None)] == SlaTally(breached=1)


def test_the_sla_figure_table_csv_and_json(swept_morning):
    dash = dashboard(WEEK)
    headers, rows = figure_table(dash, "sla")
    assert headers[-1] == "Compliance (%)"
    assert rows[0] == ["First response", "All tiers", 6, 3, 3, 0, 50.0]
    assert rows[1] == ["First response", dash.tier_names[1], 4, 3, 1, 0, 75.0]
    tier_rows = [r for r in rows if r[0] == "Tier target (OLA)"]
    assert tier_rows[0] == ["Tier target (OLA)", "All tiers", 5, 3, 2, 0, 60.0]
    assert rows[-1] == ["Vendor resolution", dash.tier_names[4], 1, 0, 0, 1, None]
    assert figure_json(dash, "sla")["rows"] == rows


def test_without_policies_or_tier_targets_only_the_vendor_clocks_count(desk_morning):
    # E's vendor response came due @420, but no sweep has run: the facts still say running.
    assert set(dashboard(WEEK).sla) == {
        ("vendor_response", None),
        ("vendor_response", 4),
        ("vendor_resolution", None),
        ("vendor_resolution", 4),
    }
    assert dashboard(WEEK).sla[("vendor_response", None)] == SlaTally(running=1)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk rebuild is SQL for PostgreSQL"
)
def test_the_bulk_sql_rebuild_writes_the_same_sla_codes(swept_morning):
    from escala.reports import facts_sql

    python = dict(TicketFact.objects.values_list("ticket_id", "sla"))
    assert sorted(python.values()) == sorted(
        ["1:f+r+t+", "1:f-r-t-", "1:f+n+r-t-", "1:f+n-r+t+", "2:f-r+t+", "4:f-r-v-w~"]
    )
    TicketFact.objects.all().delete()
    facts_sql.rebuild(chunk=4)
    assert dict(TicketFact.objects.values_list("ticket_id", "sla")) == python
    assert dashboard(WEEK).sla == EXPECTED


# --- Deflected requests ---------------------------------------------------------------------


@pytest.fixture
def deflections(frozen_clock, l1_agent, l2_network_agent, categories, employee, customer):
    """Two articles; five deflections, one of them the week before."""
    vpn = published_article(
        l1_agent,
        l2_network_agent,
        category=categories["connectivity"],
        es=("Conectarse a la VPN", "Abre el cliente."),
        en=("Connect to the VPN", "Open the client."),
    )
    printer = published_article(
        l1_agent,
        l2_network_agent,
        es=("La impresora no imprime", "Apágala y enciéndela."),
        en=("The printer does not print", "Switch it off and on."),
    )
    start = frozen_clock.current  # Monday 2 March, 09:00 UTC
    for offset, article, who in [
        (timedelta(days=-3), vpn, employee),  # Friday 27 February: outside the week
        (timedelta(0), vpn, employee),
        (timedelta(hours=5), vpn, customer),
        (timedelta(days=1), printer, employee),
        (timedelta(days=4), vpn, employee),
    ]:
        frozen_clock.current = start + offset
        record_deflection(article=article, by=who.user, query="no va")
    frozen_clock.current = start + timedelta(days=5)
    return {"vpn": vpn, "printer": printer}


def test_deflected_requests_in_the_period_and_per_article(deflections):
    found = dashboard(WEEK).extra["deflections"]
    vpn, printer = deflections["vpn"], deflections["printer"]
    assert found.total == 4
    assert found.by_article == [
        (vpn.reference, "Connect to the VPN", 3),
        (printer.reference, "The printer does not print", 1),
    ]
    assert found.weeks == {date(2026, 3, 2): 4}


def test_deflections_follow_the_organization_and_category_filters(
    deflections, employee, customer, categories, teams
):
    def total(**scope):
        return dashboard(Filters(WEEK.start, WEEK.end, **scope)).extra["deflections"].total

    assert total(organization_id=employee.organization_id) == 3
    assert total(organization_id=customer.organization_id) == 1
    assert total(category_id=categories["connectivity"].pk) == 3
    assert total(category_id=categories["password"].pk) == 0
    assert total(team_id=next(iter(teams.values())).pk) == 0  # never reached a team


def test_the_deflection_figure_table(deflections):
    headers, rows = figure_table(dashboard(WEEK), "deflections")
    assert headers == ["Article", "Title", "Deflected requests"]
    assert rows[0] == ["All articles", "", 4]
    assert [r[2] for r in rows[1:]] == [3, 1]
