"""Every figure of the dashboard for the desk's morning (see conftest.py), computed by hand."""

from datetime import date

import pytest
from django.db import connection

from escala.reports import facts
from escala.reports.models import TicketFact
from escala.reports.queries import Filters, agent_figures, dashboard
from escala.surveys.actions import answer_survey
from escala.surveys.models import Survey

WEEK = Filters(start=date(2026, 3, 1), end=date(2026, 3, 7))


@pytest.fixture
def dash(desk_morning):
    return dashboard(WEEK)


def test_every_ticket_of_the_period_is_counted(dash):
    assert dash.tickets == 6
    assert dash.resolved == 5
    assert dash.ever_resolved == 5


def test_level_1_resolution_counts_only_tickets_that_never_left_level_1(dash):
    # A, C and D of the four resolved tickets that started at Level 1 (B went to Level 2).
    assert (dash.l1_resolved, dash.l1_base) == (3, 4)
    assert dash.l1_rate == 0.75


def test_first_contact_resolution_is_only_the_ticket_solved_by_one_reply(dash):
    # C was reopened, D waited for Marta's answer.
    assert dash.first_contact == 1
    assert dash.fcr_rate == 0.25


def test_reopen_rate(dash):
    assert (dash.reopened, dash.reopen_rate) == (1, 0.2)


def test_time_to_first_response_overall_and_per_resolving_tier(dash):
    overall = dash.first_response[None]  # 300, 600, 600, 1200, 1800 seconds (E never answered)
    assert (overall.count, overall.median) == (5, 600)
    assert overall.p90 == pytest.approx(1560)
    level1 = dash.first_response[1]  # 300, 600, 600, 1200
    assert (level1.median, level1.p90) == (600, pytest.approx(1020))
    assert dash.first_response[2].median == 1800


def test_time_to_resolution_overall_and_per_resolving_tier(dash):
    overall = dash.resolution[None]  # 1800, 5400, 10800, 14400, 19800 seconds
    assert (overall.count, overall.median) == (5, 10800)
    assert overall.p90 == pytest.approx(17640)
    level1 = dash.resolution[1]  # A, B (came back down), C, D
    assert level1.median == pytest.approx(12600)
    assert level1.p90 == pytest.approx(18180)
    assert (dash.resolution[2].count, dash.resolution[2].median) == (1, 5400)


def test_escalation_rate_out_of_each_tier_and_where_escalations_go(dash):
    flow = dash.flow
    assert flow.visited == {1: 5, 2: 3, 3: 1, 4: 1}
    assert flow.rate_out_of(1) == 0.4  # B and E
    assert flow.rate_out_of(2) == pytest.approx(1 / 3)  # E, not B (sent down) nor F
    assert flow.rate_out_of(3) == 1
    assert flow.moves == {(1, 2): 2, (2, 3): 1, (3, 4): 1}


def test_time_spent_at_each_tier_counts_open_stays_up_to_now(dash):
    minutes = {t.level: (t.tickets, t.seconds / 60) for t in dash.tier_time}
    assert minutes == {
        1: (5, 30 + 120 + 120 + 330 + 60),
        2: (3, 120 + 60 + 90),
        3: (1, 60),
        4: (1, 360),  # E, still with the vendor at @540
    }


def test_backlog_by_age_and_tier_holds_the_ticket_with_the_vendor(dash):
    assert dash.backlog == {4: {"lt1d": 1, "1to3d": 0, "3to7d": 0, "7to30d": 0, "gt30d": 0}}


def test_level_4_referrals_per_vendor(dash):
    [(name, stats)] = dash.vendors
    assert name == "ERP Vendor S.A."
    assert (stats.referrals, stats.closed, stats.still_open) == (1, 0, 1)


def test_weekly_trend(dash):
    [week] = dash.weeks
    assert week.start == date(2026, 3, 2)
    assert (week.created, week.resolved, week.l1_resolved, week.l1_base, week.escalated) == (
        6,
        5,
        3,
        4,
        2,
    )
    assert week.resolution.median == 10800


def test_satisfaction_per_tier_team_and_agent(desk_morning, tiers):
    t = desk_morning
    answers = {"A": 5, "B": 4, "F": 3}
    for key, rating in answers.items():
        answer_survey(survey=Survey.objects.get(ticket=t[key]), rating=rating)
    # C has a survey per resolution; the answer about its last resolution is a 2.
    answer_survey(survey=Survey.objects.filter(ticket=t["C"]).latest("resolved_at"), rating=2)
    dash = dashboard(WEEK)
    assert (dash.csat.responses, dash.csat.average, dash.csat.satisfied) == (4, 3.5, 0.5)
    by_tier = {name: (s.responses, s.satisfied) for name, s in dash.csat_by_tier}
    assert by_tier == {str(tiers[1]): (3, pytest.approx(2 / 3)), str(tiers[2]): (1, 0)}
    by_team = {name: s.average for name, s in dash.csat_by_team}
    assert by_team == {"Service Desk": pytest.approx(11 / 3), "Databases": 3}
    by_agent = {name: s.responses for name, s in dash.csat_by_agent}
    assert by_agent == {"Lucia": 3, "Dolores": 1}


def test_filters_narrow_every_figure(desk_morning, categories, teams):
    password = dashboard(Filters(WEEK.start, WEEK.end, category_id=categories["password"].pk))
    assert (password.tickets, password.l1_resolved, password.first_contact) == (3, 3, 1)
    databases = dashboard(Filters(WEEK.start, WEEK.end, team_id=teams["Databases"].pk))
    assert (databases.tickets, databases.resolution[None].median) == (1, 5400)
    next_week = dashboard(Filters(date(2026, 3, 9), date(2026, 3, 15)))
    assert (next_week.tickets, next_week.l1_rate, next_week.flow.visited) == (0, None, {})


def test_the_listener_keeps_facts_equal_to_a_full_rebuild(desk_morning):
    def snapshot():
        return sorted(
            TicketFact.objects.values_list(
                "ticket_id", "path", "resolution_s", "first_contact", "reopens", "team_id"
            )
        )

    live = snapshot()
    TicketFact.objects.all().delete()
    assert facts.rebuild(chunk=4) == 6
    assert snapshot() == live


def test_an_agent_sees_their_own_workload_and_figures(desk_morning, l1_agent, l3_engineer):
    mine = agent_figures(l1_agent, WEEK)
    assert (mine.resolved, mine.first_contact) == (4, 1)
    assert mine.resolution.median == pytest.approx(12600)
    assert mine.open_by_status == {}
    assert agent_figures(l3_engineer, WEEK).resolved == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk rebuild is SQL for PostgreSQL"
)
def test_the_bulk_sql_rebuild_gives_the_same_facts_as_the_python_one(desk_morning):
    from escala.reports import facts_sql
    from escala.reports.models import TierTimeFact

    def snapshot():
        fact_rows = [
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
            for row in TicketFact.objects.order_by("ticket_id").values()
        ]
        time_rows = [
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items() if k != "id"}
            for row in TierTimeFact.objects.order_by("ticket_id", "level").values()
        ]
        return fact_rows, time_rows

    python_facts = snapshot()
    TicketFact.objects.all().delete()
    assert facts_sql.rebuild(chunk=4) == 6
    assert snapshot() == python_facts


def test_a_large_selection_reads_percentiles_from_day_histograms(desk_morning, settings):
    exact = dashboard(WEEK)
    settings.ESCALA_REPORTS_EXACT_LIMIT = 0  # as if the week held a million tickets
    approx = dashboard(WEEK)
    assert approx.approximate is True
    assert (approx.tickets, approx.l1_resolved, approx.first_contact) == (6, 3, 1)
    for scope in (None, 1, 2):
        for kind in ("first_response", "resolution"):
            want, got = getattr(exact, kind)[scope], getattr(approx, kind)[scope]
            assert got.count == want.count
            assert got.median == pytest.approx(want.median, rel=0.025)
            assert got.p90 == pytest.approx(want.p90, rel=0.025)


def test_two_filters_at_once_read_the_facts_and_agree(desk_morning, categories, employee):
    one = dashboard(Filters(WEEK.start, WEEK.end, category_id=categories["password"].pk))
    both = dashboard(
        Filters(
            WEEK.start,
            WEEK.end,
            organization_id=employee.organization_id,
            category_id=categories["password"].pk,
        )
    )
    for name in ("tickets", "resolved", "l1_resolved", "first_contact", "reopened"):
        assert getattr(both, name) == getattr(one, name)
    assert both.flow == one.flow
    assert [(t.level, t.tickets, t.seconds) for t in both.tier_time] == [
        (t.level, t.tickets, t.seconds) for t in one.tier_time
    ]


def test_day_summaries_follow_a_ticket_that_changes_category(
    desk_morning, categories, l1_agent, django_capture_on_commit_callbacks
):
    from escala.tickets.actions import update_ticket_fields

    password = Filters(WEEK.start, WEEK.end, category_id=categories["password"].pk)
    erp = Filters(WEEK.start, WEEK.end, category_id=categories["erp"].pk)
    assert (dashboard(password).tickets, dashboard(erp).tickets) == (3, 1)
    with django_capture_on_commit_callbacks(execute=True):
        update_ticket_fields(ticket=desk_morning["A"], by=l1_agent.user, category=categories["erp"])
    assert (dashboard(password).tickets, dashboard(erp).tickets) == (2, 2)
    assert dashboard(erp).first_contact == 1


def test_whole_weeks_come_from_week_summaries_and_agree_with_the_days(desk_morning, settings):
    from escala.reports.models import WeekSummary
    from escala.reports.rollups import refresh_stale

    refresh_stale()  # as the worker does every minute (a dashboard does it before reading)
    assert WeekSummary.objects.filter(day=date(2026, 3, 2), slice="a").exists()
    around = dashboard(Filters(start=date(2026, 2, 27), end=date(2026, 3, 10)))
    days_only = dashboard(WEEK)
    for name in ("tickets", "resolved", "l1_resolved", "first_contact", "reopened", "l1_base"):
        assert getattr(around, name) == getattr(days_only, name)
    assert around.flow == days_only.flow
    assert [w.created for w in around.weeks] == [6]
    settings.ESCALA_REPORTS_EXACT_LIMIT = 0
    approx_week, approx_days = (
        dashboard(Filters(start=date(2026, 2, 27), end=date(2026, 3, 10))),
        dashboard(WEEK),
    )
    assert approx_week.resolution[None] == approx_days.resolution[None]


def test_vendor_turnaround_counts_from_referral_to_the_case_closing(
    desk_morning, frozen_clock, l3_engineer, django_capture_on_commit_callbacks
):
    from escala.tickets.actions import de_escalate_ticket

    frozen_clock.current = frozen_clock.current.replace(hour=16)  # @420: back from the vendor
    with django_capture_on_commit_callbacks(execute=True):
        de_escalate_ticket(ticket=desk_morning["E"], by=l3_engineer.user, note="Parche aplicado")
    [(_name, stats)] = dashboard(WEEK).vendors
    assert (stats.referrals, stats.closed, stats.still_open) == (1, 1, 0)
    assert stats.turnaround.median == (420 - 180) * 60


def test_a_ticket_event_only_marks_its_day_and_the_next_dashboard_adds_it_up(
    desk_morning, categories, l1_agent, django_capture_on_commit_callbacks
):
    from escala.reports.models import DaySummary, StaleDay
    from escala.reports.rollups import refresh_stale
    from escala.tickets.actions import update_ticket_fields

    refresh_stale()
    day = DaySummary.objects.filter(slice="c", key=categories["erp"].pk)
    before = sum(day.values_list("tickets", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        update_ticket_fields(ticket=desk_morning["A"], by=l1_agent.user, category=categories["erp"])
    assert StaleDay.objects.exists()
    assert sum(day.values_list("tickets", flat=True)) == before  # not yet added up
    erp = Filters(WEEK.start, WEEK.end, category_id=categories["erp"].pk)
    assert dashboard(erp).tickets == before + 1
    assert not StaleDay.objects.exists()
