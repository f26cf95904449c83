"""Each dashboard figure as a titled table with its definition: one source for the page, the CSV
download and the JSON the API serves (`figure_table(dash, key)` / `figure_json(dash, key)`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from . import metrics
from .queries import Dashboard


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@dataclass(frozen=True)
class Figure:
    key: str
    title: Any  # lazy text
    definition: Any  # lazy text
    table: Callable[[Dashboard], tuple[list[str], list[list[Any]]]]


def _rates(d: Dashboard):
    return (
        [_("Figure"), _("Tickets"), _("Out of"), _("Rate (%)")],
        [
            [_("Level 1 resolution"), d.l1_resolved, d.l1_base, percent(d.l1_rate)],
            [_("First-contact resolution"), d.first_contact, d.l1_base, percent(d.fcr_rate)],
            [_("Reopened"), d.reopened, d.ever_resolved, percent(d.reopen_rate)],
        ],
    )


def _escalation(d: Dashboard):
    flow = d.flow
    return (
        [_("Tier"), _("Tickets at the tier"), _("Escalated out"), _("Escalation rate (%)")],
        [
            [
                d.tier_names.get(level, f"L{level}"),
                flow.visited.get(level, 0),
                flow.escalated.get(level, 0),
                percent(flow.rate_out_of(level)),
            ]
            for level in sorted(flow.visited)
        ],
    )


def _matrix(d: Dashboard):
    return (
        [_("From"), _("To"), _("Escalations")],
        [
            [d.tier_names.get(a, f"L{a}"), d.tier_names.get(b, f"L{b}"), n]
            for (a, b), n in sorted(d.flow.moves.items())
        ],
    )


def _times(d: Dashboard):
    rows = []
    scopes = [None, *sorted(k for k in set(d.first_response) | set(d.resolution) if k)]
    empty = metrics.Spread(0, None, None)
    for scope in scopes:
        first = d.first_response.get(scope, empty)
        solved = d.resolution.get(scope, empty)
        rows.append(
            [
                _("All tickets") if scope is None else d.tier_names.get(scope, f"L{scope}"),
                first.count,
                hours(first.median),
                hours(first.p90),
                solved.count,
                hours(solved.median),
                hours(solved.p90),
            ]
        )
    return (
        [
            _("Resolving tier"),
            _("Answered"),
            _("First response, median (h)"),
            _("First response, 90th percentile (h)"),
            pgettext("tickets counted", "Resolved"),
            _("Resolution, median (h)"),
            _("Resolution, 90th percentile (h)"),
        ],
        rows,
    )


def _tier_time(d: Dashboard):
    return (
        [_("Tier"), _("Tickets"), _("Total time (h)"), _("Average per ticket (h)")],
        [
            [
                d.tier_names.get(t.level, f"L{t.level}"),
                t.tickets,
                hours(t.seconds),
                hours(t.average),
            ]
            for t in d.tier_time
        ],
    )


def _vendors(d: Dashboard):
    return (
        [
            _("Vendor"),
            _("Referrals"),
            _("Closed"),
            _("Still open"),
            _("Turnaround, median (h)"),
            _("Turnaround, 90th percentile (h)"),
        ],
        [
            [
                name,
                s.referrals,
                s.closed,
                s.still_open,
                hours(s.turnaround.median),
                hours(s.turnaround.p90),
            ]
            for name, s in d.vendors
        ],
    )


def bucket_labels() -> dict[str, str]:
    return {
        "lt1d": _("< 1 day"),
        "1to3d": _("1–3 days"),
        "3to7d": _("3–7 days"),
        "7to30d": _("7–30 days"),
        "gt30d": _("> 30 days"),
    }


def _backlog(d: Dashboard):
    labels = bucket_labels()
    keys = [key for key, _low, _high in metrics.AGE_BUCKETS]
    return (
        [_("Tier"), *[labels[k] for k in keys], _("Total")],
        [
            [
                d.tier_names.get(level, f"L{level}"),
                *[row.get(k, 0) for k in keys],
                sum(row.get(k, 0) for k in keys),
            ]
            for level, row in sorted(d.backlog.items())
        ],
    )


def _csat(d: Dashboard):
    rows = [[_("All"), "", d.csat.responses, _avg(d.csat.average), percent(d.csat.satisfied)]]
    for scope, items in (
        (_("Tier"), d.csat_by_tier),
        (_("Team"), d.csat_by_team),
        (_("Agent"), d.csat_by_agent),
    ):
        rows += [
            [scope, name, s.responses, _avg(s.average), percent(s.satisfied)] for name, s in items
        ]
    return ([_("By"), _("Name"), _("Answers"), _("Average (1–5)"), _("Satisfied (%)")], rows)


def _sla(d: Dashboard):
    from escala.sla.choices import ClockKind

    order = list(metrics.SLA_KINDS)
    rows = []
    for (kind, level), t in sorted(
        d.sla.items(), key=lambda item: (order.index(item[0][0]), item[0][1] or 0)
    ):
        rows.append(
            [
                str(ClockKind(kind).label),
                _("All tiers") if level is None else d.tier_names.get(level, f"L{level}"),
                t.clocks,
                t.met,
                t.breached,
                t.running,
                percent(t.compliance),
            ]
        )
    return (
        [
            _("Clock"),
            _("Tier"),
            _("With a target"),
            _("Met"),
            _("Breached"),
            _("Still running"),
            _("Compliance (%)"),
        ],
        rows,
    )


def _deflections(d: Dashboard):
    found = d.extra.get("deflections")
    headers = [_("Article"), _("Title"), _("Deflected requests")]
    if found is None or not found.total:
        return headers, []
    return headers, [
        [_("All articles"), "", found.total],
        *[[reference, title, n] for reference, title, n in found.by_article],
    ]


def _avg(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _weekly(d: Dashboard):
    return (
        [
            _("Week"),
            pgettext("tickets counted", "Created"),
            pgettext("tickets counted", "Resolved"),
            _("Level 1 resolution (%)"),
            _("Escalated (%)"),
            _("Resolution, median (h)"),
        ],
        [
            [
                w.start.isoformat(),
                w.created,
                w.resolved,
                percent(w.l1_rate),
                percent(w.escalation_rate),
                hours(w.resolution.median if w.resolution else None),
            ]
            for w in d.weeks
        ],
    )


FIGURES: list[Figure] = [
    Figure(
        "weekly",
        gettext_lazy("Trends per week"),
        gettext_lazy(
            "Tickets created each week (weeks start on Monday) and what became of them: "
            "resolved, resolved at Level 1, escalated at least once, median time to resolution."
        ),
        _weekly,
    ),
    Figure(
        "resolution-rates",
        gettext_lazy("Level 1 and first-contact resolution"),
        gettext_lazy(
            "Level 1 resolution: resolved tickets that started at Level 1 and never left it, out "
            "of all resolved tickets that started at Level 1. First-contact resolution: of those, "
            "the ones never reopened, answered with at most one public reply before the "
            "resolution, with no message from the requester in between. Reopened: tickets "
            "reopened at least once, out of tickets resolved at least once."
        ),
        _rates,
    ),
    Figure(
        "escalation",
        gettext_lazy("Escalation rate out of each tier"),
        gettext_lazy(
            "Tickets that stayed at the tier, and how many of them were escalated (or referred "
            "to a vendor) out of it at least once. A ticket sent back down is not an escalation."
        ),
        _escalation,
    ),
    Figure(
        "escalation-matrix",
        gettext_lazy("Where escalations go"),
        gettext_lazy("Every move up from one tier to another, counted once per move."),
        _matrix,
    ),
    Figure(
        "response-times",
        gettext_lazy("Time to first response and to resolution"),
        gettext_lazy(
            "Calendar hours from creation to the first public reply of an agent, and to the "
            "last resolution (pauses and reopens included). Median and 90th percentile, for "
            "all tickets and per the tier that resolved them."
        ),
        _times,
    ),
    Figure(
        "tier-time",
        gettext_lazy("Time spent at each tier"),
        gettext_lazy(
            "The sum of every stay at the tier, from entering to leaving it; a stay still open "
            "counts up to now. Average over the tickets that stayed at the tier."
        ),
        _tier_time,
    ),
    Figure(
        "vendors",
        gettext_lazy("Level 4: vendor referrals and turnaround"),
        gettext_lazy(
            "Cases referred to each vendor in the period, and the hours from the referral to "
            "the case being closed (closed cases only)."
        ),
        _vendors,
    ),
    Figure(
        "backlog",
        gettext_lazy("Backlog by age and tier"),
        gettext_lazy(
            "Tickets open now (new, open, pending or reopened) by the tier they are at and the "
            "time since they were created. Not limited to the period."
        ),
        _backlog,
    ),
    Figure(
        "sla",
        gettext_lazy("SLA compliance"),
        gettext_lazy(
            "For the tickets created in the period, each SLA clock with a target (the current "
            "run of each kind: first response, next response, resolution, the tier's internal "
            "target, the vendor's response and resolution): met if it stopped before its due "
            "time, breached if the due time came first, otherwise still running. Compliance: "
            "met out of met and breached. Per tier: the tier that holds the ticket now, or "
            "that resolved it."
        ),
        _sla,
    ),
    Figure(
        "csat",
        gettext_lazy("Customer satisfaction"),
        gettext_lazy(
            "Answers to the survey sent at each resolution made in the period: the average "
            "rating from 1 to 5 and the share of 4s and 5s, per resolving tier, team and agent."
        ),
        _csat,
    ),
    Figure(
        "deflections",
        gettext_lazy("Deflected requests"),
        gettext_lazy(
            "Requests never filed: while writing a request in the portal, the requester read a "
            "knowledge base article and said it solved the problem. Counted on the day it "
            "happened, per article; organization is the requester's, category the article's. "
            "A deflected request never reaches a team, so none are counted when a team is "
            "chosen."
        ),
        _deflections,
    ),
]
BY_KEY = {f.key: f for f in FIGURES}


def figure_table(dash: Dashboard, key: str) -> tuple[list[str], list[list[Any]]]:
    return BY_KEY[key].table(dash)


def figure_json(dash: Dashboard, key: str) -> dict[str, Any]:
    """A figure as plain data, for the API (`/api/v1/reports/<key>`) to return as it is."""
    figure = BY_KEY[key]
    headers, rows = figure.table(dash)
    return {
        "key": key,
        "title": str(figure.title),
        "definition": str(figure.definition),
        "period": {"start": dash.filters.start.isoformat(), "end": dash.filters.end.isoformat()},
        "columns": headers,
        "rows": rows,
    }
