"""The tier dashboard's figures as JSON (supervisors and admins): the same numbers as
/desk/reports/ for the same period and filters, one figure per call."""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from escala.core.errors import Forbidden, NotFound, ValidationFailed
from escala.people.models import Organization
from escala.people.queries import agent_of, is_admin
from escala.reports.figures import FIGURES, figure_json
from escala.reports.queries import Filters, dashboard
from escala.tiers.models import Category, Team

from .. import auth
from ..schemas.common import COMMON_ERRORS, MAX_ID, InputSchema

router = Router(tags=["reports"])


class ReportFilters(InputSchema):
    period: Literal["7", "30", "90", "365", "custom"] = Field(
        default="30", description="Last N days, or `custom` with `start` and `end`."
    )
    start: date | None = Field(default=None, description="First day (custom period).")
    end: date | None = Field(default=None, description="Last day, included (custom period).")
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    category: int | None = Field(default=None, ge=1, le=MAX_ID)
    team: int | None = Field(default=None, ge=1, le=MAX_ID)


class PeriodOut(Schema):
    start: date
    end: date


class FigureOut(Schema):
    key: str
    title: str
    definition: str
    period: PeriodOut
    columns: list[str]
    rows: list[list[str | int | float | None]]


class FigureRef(Schema):
    key: str
    title: str
    definition: str


def _supervisor_only(user: Any) -> None:
    agent = agent_of(user)
    if is_admin(user) or (agent is not None and agent.is_supervisor):
        return
    if agent is None:
        raise NotFound(_("Not found."))  # requesters do not learn that reports exist
    raise Forbidden(_("Only supervisors and administrators may read the reports."))


def _filters(query: ReportFilters) -> Filters:
    """The dashboard's filter form, as query parameters, with the same checks."""
    for field, model, value, message in (
        ("organization", Organization, query.organization, _("No such organization.")),
        ("category", Category, query.category, _("No such category.")),
        ("team", Team, query.team, _("No such team.")),
    ):
        if value is not None and not model.objects.filter(pk=value).exists():
            raise ValidationFailed(message, field=field)
    scope = {
        "organization_id": query.organization,
        "category_id": query.category,
        "team_id": query.team,
    }
    if query.period != "custom":
        return Filters.last_days(int(query.period), **scope)
    if query.start is None or query.end is None:
        raise ValidationFailed(_("Choose both dates for a custom period."), field="start")
    if query.start > query.end:
        raise ValidationFailed(_("The end date is before the start date."), field="end")
    if (query.end - query.start).days > 3 * 366:
        raise ValidationFailed(_("Choose a period of at most three years."), field="end")
    return Filters(start=query.start, end=query.end, **scope)


@router.get("/reports", response={200: list[FigureRef], **COMMON_ERRORS}, auth=auth.read)
def list_figures(request: HttpRequest):
    """The figures of the tier dashboard, each served at `/reports/{key}`."""
    _supervisor_only(request.auth)
    return [{"key": f.key, "title": str(f.title), "definition": str(f.definition)} for f in FIGURES]


@router.get("/reports/{key}", response={200: FigureOut, **COMMON_ERRORS}, auth=auth.read)
def get_figure(
    request: HttpRequest,
    key: str = Path(..., max_length=40),
    filters: Query[ReportFilters] = None,  # type: ignore[assignment]
):
    """One figure for a period (default: the last 30 days) and optional organization,
    category and team: its title, definition, columns and rows, as the dashboard shows them."""
    _supervisor_only(request.auth)
    if key not in {f.key for f in FIGURES}:
        raise NotFound(_("No such figure."))
    return figure_json(dashboard(_filters(filters or ReportFilters())), key)
