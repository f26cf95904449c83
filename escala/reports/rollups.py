"""Day summaries (models.DaySummary): the per-ticket facts added up per creation day and slice.

`summarize()` is pure (plain rows in, plain dicts out); `refresh_days()` rewrites the summaries
of whole days from the facts, so they stay exact whatever changed on a ticket (even its
organization, category or team); facts.refresh() calls it after every ticket event.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import metrics
from .models import DaySummary, TicketFact, TierTimeFact

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
    return {**dict.fromkeys(COUNTERS, 0), "paths": {}, "tiers": {}, "times": {}}


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


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return since, until


def refresh_days(days: Iterable[date]) -> None:
    for day in sorted(set(days)):
        refresh_range(day, day)


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
    DaySummary.objects.all().delete()
    if first is None:
        return 0
    day, end, written = timezone.localdate(first), timezone.localdate(last), 0
    while day <= end:
        chunk_end = min(end, day + timedelta(days=days_per_chunk - 1))
        written += refresh_range(day, chunk_end)
        day = chunk_end + timedelta(days=1)
        if progress:
            progress(day)
    return written
