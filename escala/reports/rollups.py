"""Day summaries (models.DaySummary): the per-ticket facts added up per creation day and slice.

`summarize()` is pure (plain rows in, plain dicts out); `refresh_days()` rewrites the summaries
of whole days from the facts, so they stay exact whatever changed on a ticket (even its
organization, category or team). After a ticket event facts.refresh() only marks the day stale
(`mark_stale`, one insert); `refresh_stale()` adds the stale days up again, run by the worker
every minute and by every dashboard before it reads the summaries.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import metrics
from .models import DaySummary, StaleDay, TicketFact, TierTimeFact, WeekSummary

FACT_FIELDS = [
    "ticket_id",
    "created_at",
    "organization_id",
    "category_id",
    "team_id",
    "resolved_at",
    "ever_resolved",
    "reopens",
    "starts_l1",
    "l1_resolved",
    "first_contact",
    "escalations",
    "path",
    "resolving_level",
    "first_response_s",
    "resolution_s",
    "sla",
]
TIER_FIELDS = [
    "created_at",
    "organization_id",
    "category_id",
    "team_id",
    "level",
    "seconds",
    "open_since_epoch",
]
COUNTERS = [
    "tickets",
    "resolved",
    "ever_resolved",
    "reopened",
    "l1_base",
    "l1_resolved",
    "first_contact",
    "escalated",
]


def _slices(row: dict) -> list[tuple[str, int]]:
    slices = [("a", 0), ("o", row["organization_id"])]
    if row["category_id"] is not None:
        slices.append(("c", row["category_id"]))
    if row["team_id"] is not None:
        slices.append(("t", row["team_id"]))
    return slices


def _empty() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTERS, 0), "paths": {}, "tiers": {}, "times": {}, "sla": {}}


def summarize(facts: Iterable[dict], tier_times: Iterable[dict]) -> dict[tuple, dict]:
    """{(day, slice, key): summary} from fact rows and tier-time rows (as dicts)."""
    out: dict[tuple, dict] = defaultdict(_empty)
    for f in facts:
        day = timezone.localdate(f["created_at"])
        resolved = f["resolved_at"] is not None
        flags = {
            "tickets": True,
            "resolved": resolved,
            "ever_resolved": f["ever_resolved"],
            "reopened": f["reopens"] > 0,
            "l1_base": f["starts_l1"] and resolved,
            "l1_resolved": f["l1_resolved"],
            "first_contact": f["first_contact"],
            "escalated": f["escalations"] > 0,
        }
        level = f["resolving_level"] or 0
        for slice_key in _slices(f):
            s = out[(day, *slice_key)]
            for name, on in flags.items():
                if on:
                    s[name] += 1
            s["paths"][f["path"]] = s["paths"].get(f["path"], 0) + 1
            if f["sla"]:
                s["sla"][f["sla"]] = s["sla"].get(f["sla"], 0) + 1
            for measure, value in (("f", f["first_response_s"]), ("r", f["resolution_s"])):
                if value is None:
                    continue
                hist = s["times"].setdefault(f"{measure}:{level}", {})
                bucket = str(metrics.histogram_bucket(value))
                hist[bucket] = hist.get(bucket, 0) + 1
    for t in tier_times:
        day = timezone.localdate(t["created_at"])
        for slice_key in _slices(t):
            row = out[(day, *slice_key)]["tiers"].setdefault(str(t["level"]), [0, 0.0, 0, 0])
            row[0] += 1
            row[1] += t["seconds"]
            if t["open_since_epoch"] is not None:
                row[2] += 1
                row[3] += t["open_since_epoch"]
    return out


def combine(summaries: Iterable[dict]) -> dict[str, Any]:
    """Several summaries (e.g. the seven days of a week) added up into one."""
    total = _empty()
    for s in summaries:
        for name in COUNTERS:
            total[name] += s[name]
        for name in ("paths", "sla"):
            for code, n in s[name].items():
                total[name][code] = total[name].get(code, 0) + n
        for level, row in s["tiers"].items():
            acc = total["tiers"].setdefault(level, [0, 0.0, 0, 0])
            for i, value in enumerate(row):
                acc[i] += value
        for key, hist in s["times"].items():
            acc = total["times"].setdefault(key, {})
            for bucket, n in hist.items():
                acc[bucket] = acc.get(bucket, 0) + n
    return total


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


SUMMARY_FIELDS = [*COUNTERS, "paths", "tiers", "times", "sla"]


def refresh_weeks(mondays: Iterable[date]) -> int:
    """Each week's summaries again, added up from its days."""
    written = 0
    for monday in sorted(set(mondays)):
        days: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for row in DaySummary.objects.filter(
            day__gte=monday, day__lte=monday + timedelta(days=6)
        ).values("slice", "key", *SUMMARY_FIELDS):
            days[(row.pop("slice"), row.pop("key"))].append(row)
        rows = [
            WeekSummary(day=monday, slice=slice_, key=key, **combine(parts))
            for (slice_, key), parts in days.items()
        ]
        with transaction.atomic():
            WeekSummary.objects.filter(day=monday).delete()
            WeekSummary.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return since, until


def mark_stale(days: Iterable[date]) -> None:
    StaleDay.objects.bulk_create([StaleDay(day=day) for day in sorted(set(days))])


def refresh_stale() -> int:
    """Add up again every day marked stale; returns how many days."""
    if not StaleDay.objects.exists():  # the usual case for a reader: one cheap query
        return 0
    with transaction.atomic():
        # Locks the marks: a second refresher waits here, then finds only newer marks. A change
        # committed after this read leaves a mark of its own, kept for the next refresh.
        marks = list(StaleDay.objects.select_for_update().values_list("pk", "day"))
        if not marks:
            return 0
        StaleDay.objects.filter(pk__in=[pk for pk, _day in marks]).delete()
        days = {day for _pk, day in marks}
        refresh_days(days)
    return len(days)


def refresh_days(days: Iterable[date]) -> None:
    days = sorted(set(days))
    for day in days:
        refresh_range(day, day)
    refresh_weeks(monday_of(day) for day in days)


def refresh_range(first: date, last: date) -> int:
    since, until = _bounds(first, last)
    facts = TicketFact.objects.filter(created_at__gte=since, created_at__lt=until).order_by()
    times = TierTimeFact.objects.filter(created_at__gte=since, created_at__lt=until).order_by()
    summaries = summarize(
        facts.values(*FACT_FIELDS).iterator(chunk_size=5000),
        times.values(*TIER_FIELDS).iterator(chunk_size=5000),
    )
    rows = [
        DaySummary(day=day, slice=slice_, key=key, **values)
        for (day, slice_, key), values in summaries.items()
    ]
    with transaction.atomic():
        DaySummary.objects.filter(day__gte=first, day__lte=last).delete()
        DaySummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild(*, days_per_chunk: int = 7, progress=None) -> int:
    """Every day summary again, from the facts (after `reports_rebuild` recomputed them)."""
    first = TicketFact.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = TicketFact.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    StaleDay.objects.all().delete()
    DaySummary.objects.all().delete()
    WeekSummary.objects.all().delete()
    if first is None:
        return 0
    day, end, written = timezone.localdate(first), timezone.localdate(last), 0
    while day <= end:
        chunk_end = min(end, day + timedelta(days=days_per_chunk - 1))
        written += refresh_range(day, chunk_end)
        day = chunk_end + timedelta(days=1)
        if progress:
            progress(day)
    return written + rebuild_weeks()


def rebuild_weeks() -> int:
    days = DaySummary.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    if first is None:
        return 0
    mondays, monday = [], monday_of(first)
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(days=7)
    return refresh_weeks(mondays)
