"""Loads the dashboard's figures: SQL aggregates over the per-ticket facts (one pass each, no
per-ticket rows in Python), finished by the pure functions of metrics.py.

Populations: every figure is about the tickets *created* in the period (a cohort), except the
backlog (open tickets now) and satisfaction (answers about resolutions made in the period).
Filters: organization and category of the ticket; team = the resolving team of a resolved ticket,
the current team of an open one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from escala.core import clock
from escala.people.models import Agent
from escala.surveys.models import Survey
from escala.tickets.choices import OPEN_STATUSES
from escala.tickets.models import Ticket, VendorCase
from escala.tiers.models import SupportTier, Team, Vendor

from . import metrics, rollups, summary_totals
from .models import DaySummary, TicketFact, TierTimeFact, WeekSummary


class PercentileCont(Aggregate):
    """PostgreSQL's exact percentile; metrics.percentile() computes the same on other databases."""

    function = "percentile_cont"
    template = "%(function)s(%(q)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, q: float, **extra: Any) -> None:
        super().__init__(expression, q=float(q), **extra)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    organization_id: int | None = None
    category_id: int | None = None
    team_id: int | None = None

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @classmethod
    def last_days(cls, days: int, **kwargs: Any) -> "Filters":
        today = timezone.localdate(clock.now())
        return cls(start=today - timedelta(days=days - 1), end=today, **kwargs)


def _facts(filters: Filters, model: type = TicketFact) -> QuerySet:
    qs = model.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    if filters.organization_id:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    return qs.order_by()


def spreads(qs: QuerySet, value: str, group: str | None = None) -> dict[Any, metrics.Spread]:
    """Median and 90th percentile of a column, overall (key None) or per group, in SQL when the
    database can."""
    qs = qs.filter(**{f"{value}__isnull": False})
    if connection.vendor == "postgresql":
        fields = [group] if group else []
        rows = (
            qs.values(*fields).annotate(
                n=Count(value), p50=PercentileCont(value, 0.5), p90=PercentileCont(value, 0.9)
            )
            if group
            else [
                qs.aggregate(
                    n=Count(value), p50=PercentileCont(value, 0.5), p90=PercentileCont(value, 0.9)
                )
            ]
        )
        return {
            (row[group] if group else None): metrics.Spread(row["n"], row["p50"], row["p90"])
            for row in rows
            if row["n"]
        }
    values: dict[Any, list[float]] = defaultdict(list)
    for key, number in qs.values_list(group or value, value):
        values[key if group else None].append(number)
    return {key: metrics.Spread.of(numbers) for key, numbers in values.items()}


@dataclass
class TierTime:
    level: int
    tickets: int
    seconds: float

    @property
    def average(self) -> float | None:
        return self.seconds / self.tickets if self.tickets else None


@dataclass
class Week:
    start: date
    created: int
    resolved: int
    l1_resolved: int
    l1_base: int
    escalated: int
    resolution: metrics.Spread | None = None

    @property
    def l1_rate(self) -> float | None:
        return metrics.rate(self.l1_resolved, self.l1_base)

    @property
    def escalation_rate(self) -> float | None:
        return metrics.rate(self.escalated, self.created)


@dataclass
class Dashboard:
    filters: Filters
    now: datetime
    tickets: int = 0
    resolved: int = 0
    ever_resolved: int = 0
    reopened: int = 0
    l1_base: int = 0
    l1_resolved: int = 0
    first_contact: int = 0
    first_response: dict[Any, metrics.Spread] = field(default_factory=dict)
    resolution: dict[Any, metrics.Spread] = field(default_factory=dict)
    flow: metrics.EscalationFlow = field(default_factory=lambda: metrics.EscalationFlow({}, {}, {}))
    tier_time: list[TierTime] = field(default_factory=list)
    backlog: dict[int, dict[str, int]] = field(default_factory=dict)
    vendors: list[tuple[str, metrics.VendorStats]] = field(default_factory=list)
    csat: metrics.Satisfaction = field(default_factory=lambda: metrics.satisfaction([]))
    csat_by_tier: list[tuple[str, metrics.Satisfaction]] = field(default_factory=list)
    csat_by_team: list[tuple[str, metrics.Satisfaction]] = field(default_factory=list)
    csat_by_agent: list[tuple[str, metrics.Satisfaction]] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    sla: dict[tuple[str, int | None], metrics.SlaTally] = field(default_factory=dict)
    tier_names: dict[int, str] = field(default_factory=dict)
    approximate: bool = False  # percentiles from day histograms (a large selection)
    # Extension points, filled by other apps once they exist (SLA compliance, deflections).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def l1_rate(self) -> float | None:
        return metrics.rate(self.l1_resolved, self.l1_base)

    @property
    def fcr_rate(self) -> float | None:
        return metrics.rate(self.first_contact, self.l1_base)

    @property
    def reopen_rate(self) -> float | None:
        return metrics.rate(self.reopened, self.ever_resolved)


def _counts(facts: QuerySet) -> dict[str, int]:
    return facts.aggregate(
        tickets=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        ever_resolved=Count("pk", filter=Q(ever_resolved=True)),
        reopened=Count("pk", filter=Q(reopens__gt=0)),
        l1_base=Count("pk", filter=Q(starts_l1=True, resolved_at__isnull=False)),
        l1_resolved=Count("pk", filter=Q(l1_resolved=True)),
        first_contact=Count("pk", filter=Q(first_contact=True)),
    )


def _tier_time(filters: Filters, now: datetime) -> list[TierTime]:
    rows = (
        _facts(filters, TierTimeFact)
        .values("level")
        .annotate(
            tickets=Count("pk"),
            closed=Sum("seconds"),
            open_count=Count("pk", filter=Q(open_since_epoch__isnull=False)),
            open_since=Sum("open_since_epoch"),
        )
        .order_by("level")
    )
    epoch = int(now.timestamp())
    return [
        TierTime(
            row["level"],
            row["tickets"],
            (row["closed"] or 0.0) + row["open_count"] * epoch - (row["open_since"] or 0),
        )
        for row in rows
    ]


def _backlog(filters: Filters, now: datetime) -> dict[int, dict[str, int]]:
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by()
    if filters.organization_id:
        tickets = tickets.filter(organization_id=filters.organization_id)
    if filters.category_id:
        tickets = tickets.filter(category_id=filters.category_id)
    if filters.team_id:
        tickets = tickets.filter(team_id=filters.team_id)
    buckets = {}
    for key, low, high in metrics.AGE_BUCKETS:
        condition = Q(created_at__lte=now - low)
        if high is not None:
            condition &= Q(created_at__gt=now - high)
        buckets[key] = Count("pk", filter=condition)
    table: dict[int, dict[str, int]] = {}
    for row in tickets.values("tier__level").annotate(**buckets):
        table[row.pop("tier__level")] = row
    return table


def _vendors(filters: Filters) -> list[tuple[str, metrics.VendorStats]]:
    cases = VendorCase.objects.filter(
        opened_at__gte=filters.since, opened_at__lt=filters.until
    ).order_by()
    if filters.organization_id:
        cases = cases.filter(ticket__organization_id=filters.organization_id)
    if filters.category_id:
        cases = cases.filter(ticket__category_id=filters.category_id)
    if filters.team_id:
        cases = cases.filter(ticket__team_id=filters.team_id)
    if connection.vendor == "postgresql":
        # Percentiles in the database: a year holds tens of thousands of cases.
        span = ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField())
        stats = {}
        for row in cases.values("vendor_id").annotate(
            n=Count("pk"),
            closed=Count("closed_at"),
            p50=PercentileCont(span, 0.5, output_field=DurationField()),
            p90=PercentileCont(span, 0.9, output_field=DurationField()),
        ):
            stats[row["vendor_id"]] = metrics.VendorStats(
                referrals=row["n"],
                closed=row["closed"],
                still_open=row["n"] - row["closed"],
                turnaround=metrics.Spread(
                    row["closed"],
                    row["p50"].total_seconds() if row["p50"] is not None else None,
                    row["p90"].total_seconds() if row["p90"] is not None else None,
                ),
            )
    else:
        stats = metrics.vendor_turnaround(
            metrics.VendorSpan(v, opened, closed)
            for v, opened, closed in cases.values_list("vendor_id", "opened_at", "closed_at")
        )
    names = dict(Vendor.objects.filter(pk__in=stats).values_list("pk", "name"))
    return sorted(((names.get(pk, "?"), s) for pk, s in stats.items()), key=lambda x: x[0])


def surveys_in(filters: Filters) -> QuerySet:
    answers = Survey.objects.filter(
        resolved_at__gte=filters.since, resolved_at__lt=filters.until, rating__isnull=False
    ).order_by()
    if filters.organization_id:
        answers = answers.filter(ticket__organization_id=filters.organization_id)
    if filters.category_id:
        answers = answers.filter(ticket__category_id=filters.category_id)
    if filters.team_id:
        answers = answers.filter(team_id=filters.team_id)
    return answers


SATISFACTION = {
    "n": Count("pk"),
    "total": Sum("rating"),
    "happy": Count("pk", filter=Q(rating__gte=4)),
}


def _satisfaction(row: dict) -> metrics.Satisfaction:
    return metrics.satisfaction_from_counts(row["n"], row["total"] or 0, row["happy"])


def _csat(dash: Dashboard, answers: QuerySet, tiers: dict[int, SupportTier]) -> None:
    by_tier = list(answers.values("tier_id").annotate(**SATISFACTION).order_by("tier_id"))
    # Every answer is in exactly one tier group (None included): they add up to the total.
    dash.csat = _satisfaction(
        {name: sum(row[name] or 0 for row in by_tier) for name in SATISFACTION}
    )
    dash.csat_by_tier = [
        (str(tiers[row["tier_id"]]) if row["tier_id"] in tiers else "?", _satisfaction(row))
        for row in by_tier
    ]
    teams = {t.pk: t.label for t in Team.objects.only("name", "name_es")}
    dash.csat_by_team = sorted(
        (
            (teams.get(row["team_id"], "—"), _satisfaction(row))
            for row in answers.values("team_id").annotate(**SATISFACTION)
        ),
        key=lambda x: x[0],
    )
    rows = list(answers.values("agent_id").annotate(**SATISFACTION))
    agents = {
        a.pk: a.display_name
        for a in Agent.objects.filter(pk__in=[r["agent_id"] for r in rows]).select_related("user")
    }
    dash.csat_by_agent = sorted(
        ((agents.get(row["agent_id"], "—"), _satisfaction(row)) for row in rows),
        key=lambda x: x[0],
    )


def _weeks(facts: QuerySet) -> list[Week]:
    weekly = facts.annotate(week=TruncWeek("created_at"))
    rows = weekly.values("week").annotate(
        created=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        l1_resolved=Count("pk", filter=Q(l1_resolved=True)),
        l1_base=Count("pk", filter=Q(starts_l1=True, resolved_at__isnull=False)),
        escalated=Count("pk", filter=Q(escalations__gt=0)),
    )
    weeks = {
        _day(row["week"]): Week(
            _day(row["week"]),
            row["created"],
            row["resolved"],
            row["l1_resolved"],
            row["l1_base"],
            row["escalated"],
        )
        for row in rows
    }
    for key, spread in spreads(weekly, "resolution_s", "week").items():
        if _day(key) in weeks:
            weeks[_day(key)].resolution = spread
    return [weeks[k] for k in sorted(weeks)]


def _day(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _exact_spreads(dash: Dashboard, facts: QuerySet) -> None:
    for target, column in (
        (dash.first_response, "first_response_s"),
        (dash.resolution, "resolution_s"),
    ):
        target.update(spreads(facts, column))
        target.update({k: v for k, v in spreads(facts, column, "resolving_level").items() if k})


def _from_facts(dash: Dashboard, filters: Filters) -> None:
    """Every cohort figure straight from the per-ticket facts (exact, for any filter mix)."""
    facts = _facts(filters)
    for name, value in _counts(facts).items():
        setattr(dash, name, value)
    _exact_spreads(dash, facts)
    paths = facts.values("path").annotate(n=Count("pk"))
    dash.flow = metrics.escalation_flow((metrics.parse_path(r["path"]), r["n"]) for r in paths)
    codes = facts.exclude(sla="").values("sla").annotate(n=Count("pk"))
    dash.sla = metrics.sla_compliance((r["sla"], r["n"]) for r in codes)
    dash.tier_time = _tier_time(filters, dash.now)
    dash.weeks = _weeks(facts)


def _slice(filters: Filters) -> tuple[str, int] | None:
    chosen = [
        (name, value)
        for name, value in (
            ("o", filters.organization_id),
            ("c", filters.category_id),
            ("t", filters.team_id),
        )
        if value
    ]
    if not chosen:
        return ("a", 0)
    return chosen[0] if len(chosen) == 1 else None


def _merge(into: dict, counts: dict) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def _summary_querysets(filters: Filters, slice_: tuple[str, int]) -> list[QuerySet]:
    """Whole weeks inside the period from the week summaries, the days at its edges from the
    day summaries: about 60 rows for a year."""
    first_monday = filters.start + timedelta(days=(7 - filters.start.weekday()) % 7)
    mondays = []
    monday = first_monday
    while monday + timedelta(days=6) <= filters.end:
        mondays.append(monday)
        monday += timedelta(days=7)
    rollups.refresh_stale()  # the latest ticket changes, if the worker has not added them yet
    mine = {"slice": slice_[0], "key": slice_[1]}
    if not mondays:
        return [DaySummary.objects.filter(**mine, day__gte=filters.start, day__lte=filters.end)]
    weeks = WeekSummary.objects.filter(**mine, day__in=mondays)
    edges = DaySummary.objects.filter(**mine).filter(
        Q(day__gte=filters.start, day__lt=mondays[0])
        | Q(day__gt=mondays[-1] + timedelta(days=6), day__lte=filters.end)
    )
    return [weeks.order_by(), edges.order_by()]


def _from_summaries(dash: Dashboard, filters: Filters, slice_: tuple[str, int]) -> None:
    """The same figures from the week and day summaries."""
    totals = summary_totals.load(_summary_querysets(filters, slice_))
    for name, value in totals.counters.items():
        if name != "escalated":
            setattr(dash, name, value)
    weeks = {
        monday: Week(
            monday,
            c["tickets"],
            c["resolved"],
            c["l1_resolved"],
            c["l1_base"],
            c["escalated"],
        )
        for monday, c in totals.weeks.items()
    }
    dash.flow = metrics.escalation_flow((metrics.parse_path(p), n) for p, n in totals.paths.items())
    dash.sla = metrics.sla_compliance(totals.sla.items())
    epoch = int(dash.now.timestamp())
    dash.tier_time = [
        TierTime(level, int(n), seconds + open_n * epoch - open_since)
        for level, (n, seconds, open_n, open_since) in sorted(totals.tiers.items())
    ]
    dash.weeks = [weeks[k] for k in sorted(weeks)]
    if dash.tickets <= settings.ESCALA_REPORTS_EXACT_LIMIT:
        facts = _facts(filters)
        _exact_spreads(dash, facts)
        weekly = facts.annotate(week=TruncWeek("created_at"))
        for key, spread in spreads(weekly, "resolution_s", "week").items():
            if _day(key) in weeks:
                weeks[_day(key)].resolution = spread
        return
    dash.approximate = True
    times, week_times = totals.histograms()
    for measure, target in (("f", dash.first_response), ("r", dash.resolution)):
        overall: dict[int, int] = {}
        for key, hist in times.items():
            kind, level = key.split(":")
            if kind != measure:
                continue
            _merge(overall, hist)
            if int(level):
                target[int(level)] = metrics.spread_from_histogram(hist)
        if overall:
            target[None] = metrics.spread_from_histogram(overall)
    for monday, hist in week_times.items():
        if monday in weeks:
            weeks[monday].resolution = metrics.spread_from_histogram(hist)


def dashboard(filters: Filters, *, now: datetime | None = None) -> Dashboard:
    now = now or clock.now()
    dash = Dashboard(filters=filters, now=now)
    tiers = {t.pk: t for t in SupportTier.objects.all()}
    dash.tier_names = {t.level: str(t) for t in tiers.values()}
    slice_ = _slice(filters)
    if slice_ is None:
        _from_facts(dash, filters)
    else:
        _from_summaries(dash, filters, slice_)
    dash.backlog = _backlog(filters, now)
    dash.vendors = _vendors(filters)
    _csat(dash, surveys_in(filters), tiers)
    for contributor in EXTENSIONS:
        contributor(dash)
    return dash


# Other apps add figures here without this module importing them (an SLA compliance table, the
# knowledge base's deflected requests): each is called with the Dashboard and fills dash.extra.
EXTENSIONS: list = []


@dataclass
class AgentFigures:
    open_by_status: dict[str, int]
    open_by_level: dict[int, int]
    resolved: int
    first_contact: int
    resolution: metrics.Spread | None
    first_response: metrics.Spread | None
    csat: metrics.Satisfaction


def agent_figures(agent: Agent, filters: Filters) -> AgentFigures:
    """One agent's workload now, and what they resolved in the period."""
    mine = Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES).order_by()
    by_status = dict(mine.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_level = dict(
        mine.values_list("tier__level").annotate(n=Count("pk")).values_list("tier__level", "n")
    )
    facts = _facts(filters).filter(resolving_user_id=agent.user_id, resolved_at__isnull=False)
    counts = facts.aggregate(
        resolved=Count("pk"), first_contact=Count("pk", filter=Q(first_contact=True))
    )
    answers = surveys_in(filters).filter(agent=agent)
    return AgentFigures(
        open_by_status=by_status,
        open_by_level=by_level,
        resolved=counts["resolved"],
        first_contact=counts["first_contact"],
        resolution=spreads(facts, "resolution_s").get(None),
        first_response=spreads(facts, "first_response_s").get(None),
        csat=_satisfaction(answers.aggregate(**SATISFACTION)),
    )


__all__ = ["Dashboard", "Filters", "agent_figures", "dashboard", "spreads"]
