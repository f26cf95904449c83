"""Problem and major-incident figures for the tier dashboard (escala.reports), added through its
EXTENSIONS and FIGURES hooks so the reports app never imports this one. Each figure is a table
with its definition; the page, the CSV and /api/v1/reports/<key> all read it from here."""

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import ProblemEventKind, ProblemStatus
from .models import MajorIncident, Problem, ProblemEvent, ProblemTicket


def _hours(start: Any, end: Any) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds() / 3600, 2)


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


@dataclass
class ProblemFigures:
    rows: list[list[Any]] = field(default_factory=list)
    total: list[Any] = field(default_factory=list)


def problem_figures(filters: Any) -> ProblemFigures:
    """Problems opened in the period. Per problem: its incidents (linked tickets), calendar
    hours from opening to the root cause and to the known error, and the incidents that came
    back: linked tickets created after the problem was first closed. Organization, category and
    team narrow the incidents counted (a problem with none of them is left out)."""
    problems = list(
        Problem.objects.filter(
            created_at__gte=filters.since, created_at__lt=filters.until
        ).order_by("created_at", "id")
    )
    found = ProblemFigures()
    if not problems:
        return found
    links = ProblemTicket.objects.filter(problem__in=problems).select_related("ticket")
    narrowed = any((filters.organization_id, filters.category_id, filters.team_id))
    if filters.organization_id:
        links = links.filter(ticket__organization_id=filters.organization_id)
    if filters.category_id:
        links = links.filter(ticket__category_id=filters.category_id)
    if filters.team_id:
        links = links.filter(ticket__team_id=filters.team_id)
    first_closed = dict(
        ProblemEvent.objects.filter(
            problem__in=problems,
            kind=ProblemEventKind.STATUS_CHANGED,
            new_value=ProblemStatus.CLOSED,
        )
        .values_list("problem")
        .annotate(at=Min("created_at"))
    )
    incidents: dict[int, int] = {}
    came_back: dict[int, int] = {}
    for link in links:
        incidents[link.problem_id] = incidents.get(link.problem_id, 0) + 1
        closed = first_closed.get(link.problem_id)
        if closed is not None and link.ticket.created_at > closed:
            came_back[link.problem_id] = came_back.get(link.problem_id, 0) + 1
    to_cause, to_known = [], []
    for p in problems:
        if narrowed and not incidents.get(p.pk):
            continue
        cause, known = _hours(p.created_at, p.root_cause_at), _hours(p.created_at, p.known_error_at)
        to_cause.append(cause)
        to_known.append(known)
        found.rows.append(
            [
                p.reference,
                p.title,
                str(p.get_status_display()),
                incidents.get(p.pk, 0),
                cause,
                known,
                came_back.get(p.pk, 0),
            ]
        )
    if found.rows:
        count = len(found.rows)
        linked = sum(r[3] for r in found.rows)
        found.total = [
            _("All problems"),
            _("%(n)d problems") % {"n": count},
            "",
            round(linked / count, 2),
            _median(to_cause),
            _median(to_known),
            sum(r[6] for r in found.rows),
        ]
    return found


def _problems_table(d: Any):
    found = d.extra.get("problems") or ProblemFigures()
    headers = [
        _("Problem"),
        _("Title"),
        _("Status"),
        _("Incidents"),
        _("Hours to root cause"),
        _("Hours to known error"),
        _("Incidents after closure"),
    ]
    return headers, ([found.total, *found.rows] if found.rows else [])


@dataclass
class MajorFigures:
    rows: list[list[Any]] = field(default_factory=list)
    total: list[Any] = field(default_factory=list)


def major_figures(filters: Any) -> MajorFigures:
    """Major incidents declared in the period: tickets linked, requests answered by the portal
    banner (people who said "this affects me too" instead of writing in), updates sent, and
    calendar hours from the declaration to the resolution. Only without organization, category
    or team filters: a major incident spans them all."""
    found = MajorFigures()
    if any((filters.organization_id, filters.category_id, filters.team_id)):
        return found
    incidents = list(
        MajorIncident.objects.filter(declared_at__gte=filters.since, declared_at__lt=filters.until)
        .annotate(
            n_tickets=Count("links", distinct=True),
            n_banner=Count("subscribers", distinct=True),
            n_updates=Count("updates", distinct=True),
        )
        .order_by("declared_at", "id")
    )
    for i in incidents:
        found.rows.append(
            [
                i.reference,
                i.title(),
                i.n_tickets,
                i.n_banner,
                i.n_updates,
                _hours(i.declared_at, i.resolved_at),
            ]
        )
    if found.rows:
        found.total = [
            _("All major incidents"),
            _("%(n)d major incidents") % {"n": len(found.rows)},
            sum(r[2] for r in found.rows),
            sum(r[3] for r in found.rows),
            sum(r[4] for r in found.rows),
            _median([r[5] for r in found.rows]),
        ]
    return found


def _major_table(d: Any):
    found = d.extra.get("major_incidents") or MajorFigures()
    headers = [
        _("Major incident"),
        _("Title"),
        _("Tickets linked"),
        _("Requests answered by the banner"),
        _("Updates sent"),
        _("Hours to resolve"),
    ]
    return headers, ([found.total, *found.rows] if found.rows else [])


def contribute(dash: Any) -> None:
    dash.extra["problems"] = problem_figures(dash.filters)
    dash.extra["major_incidents"] = major_figures(dash.filters)


def figures() -> list:
    from escala.reports.figures import Figure

    return [
        Figure(
            "problems",
            gettext_lazy("Problems and known errors"),
            gettext_lazy(
                "Problems opened in the period. Incidents: tickets linked to the problem (the "
                "first row: their average per problem). Hours to root cause and to known error: "
                "calendar hours from opening the problem to recording its root cause and to "
                "publishing its workaround (the first row: medians). Incidents after closure: "
                "linked tickets created after the problem was first closed, i.e. incidents that "
                "came back. Organization, category and team narrow the incidents counted."
            ),
            _problems_table,
        ),
        Figure(
            "major-incidents",
            gettext_lazy("Major incidents"),
            gettext_lazy(
                "Major incidents declared in the period: tickets linked to each, requests "
                "answered by the portal's banner (people who said it affected them too instead "
                "of writing in), updates sent to everyone, and calendar hours from the "
                "declaration to the resolution (the first row: totals and the median). Not "
                "split by organization, category or team."
            ),
            _major_table,
        ),
    ]
