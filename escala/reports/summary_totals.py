"""Adds up the week and day summaries a dashboard period selects (queries._summary_querysets).

The time histograms are most of the work (a year: ~20,000 bucket counts) and are only needed
when the period is too large for exact percentiles, so they are merged on demand. They are read
with the rest all the same: one query less matters more on the year-long dashboard than the
bytes on a short one. Merging in PostgreSQL (jsonb_each) was tried and measured slower than
here: expanding the nested JSON costs more than shipping it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet

from . import rollups

Histogram = dict[int, int]  # bucket (metrics.histogram_bucket) -> tickets


@dataclass
class Totals:
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(rollups.COUNTERS, 0))
    weeks: dict[date, dict[str, int]] = field(default_factory=dict)  # Monday -> counters
    paths: dict[str, int] = field(default_factory=dict)
    sla: dict[str, int] = field(default_factory=dict)
    tiers: dict[int, list[float]] = field(default_factory=dict)  # tickets, s, open, open since
    # () -> ({"r:1": histogram}, {Monday: histogram of resolution times})
    histograms: Callable[[], tuple[dict[str, Histogram], dict[date, Histogram]]] = lambda: ({}, {})


def _merge(into: dict, counts: dict) -> None:
    get = into.get
    for key, n in counts.items():
        into[key] = get(key, 0) + n


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def load(querysets: list[QuerySet]) -> Totals:
    fields = ["day", *rollups.SUMMARY_FIELDS]
    rows = [row for qs in querysets for row in qs.values(*fields)]
    totals = Totals()
    for row in rows:
        week = totals.weeks.setdefault(_monday(row["day"]), dict.fromkeys(rollups.COUNTERS, 0))
        for name in rollups.COUNTERS:
            totals.counters[name] += row[name]
            week[name] += row[name]
        _merge(totals.paths, row["paths"])
        _merge(totals.sla, row["sla"])
        for level, values in row["tiers"].items():
            acc = totals.tiers.setdefault(int(level), [0, 0.0, 0, 0])
            for i, value in enumerate(values):
                acc[i] += value

    def histograms() -> tuple[dict[str, Histogram], dict[date, Histogram]]:
        # Merged with the buckets as the JSON has them (text); made numbers once at the end.
        times: dict[str, dict[str, int]] = {}
        week_times: dict[date, dict[str, int]] = {}
        for row in rows:
            for key, hist in row["times"].items():
                _merge(times.setdefault(key, {}), hist)
                if key.startswith("r:"):
                    _merge(week_times.setdefault(_monday(row["day"]), {}), hist)
        return (
            {key: {int(b): n for b, n in hist.items()} for key, hist in times.items()},
            {day: {int(b): n for b, n in hist.items()} for day, hist in week_times.items()},
        )

    totals.histograms = histograms
    return totals
