"""Problems and major incidents: agents only, through escala/problems' policy and actions.

Every operation is the console's: the same action, the same refusal (mapped to HTTP by
api/errors.py)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from escala.core.errors import NotFound, ValidationFailed
from escala.problems import actions
from escala.problems import major_incidents as mi
from escala.problems.choices import MajorIncidentStatus, ProblemStatus
from escala.problems.models import MajorIncident, Problem
from escala.problems.permissions import access_problem, ensure_staff, problems_visible_to
from escala.tickets.models import VendorCase
from escala.tiers.models import SupportTier, Team

from .. import auth
from ..schemas.common import COMMON_ERRORS, MAX_ID, WRITE_ERRORS, InputSchema

router = Router(tags=["problems"])
PathId = Path(..., ge=1, le=MAX_ID)
TicketId = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- schemas ------------------------------------------------------------------------------------


class ProblemOut(Schema):
    id: int
    reference: str
    title: str
    description: str
    status: str
    owner_tier_id: int
    owner_team_id: int | None
    assignee_id: int | None
    root_cause: str
    workaround_es: str
    workaround_en: str
    article_id: int | None
    vendor_case_id: int | None
    ticket_ids: list[int]
    created_at: datetime
    updated_at: datetime
    root_cause_at: datetime | None
    known_error_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int


class ProblemCreateIn(InputSchema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20000)
    owner_tier_id: int | None = Field(None, ge=1, le=MAX_ID)
    owner_team_id: int | None = Field(None, ge=1, le=MAX_ID)
    ticket_ids: list[TicketId] = Field(default_factory=list, max_length=500)


class LinkIn(InputSchema):
    ticket_ids: list[TicketId] = Field(min_length=1, max_length=500)


class RootCauseIn(InputSchema):
    root_cause: str = Field(min_length=1, max_length=20000)
    version: int | None = Field(None, ge=1)


class WorkaroundIn(InputSchema):
    workaround_es: str = Field(min_length=1, max_length=20000)
    workaround_en: str = Field(min_length=1, max_length=20000)
    public: bool = False
    version: int | None = Field(None, ge=1)


class ProblemStatusIn(InputSchema):
    status: Literal[tuple(ProblemStatus.values)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=500)
    version: int | None = Field(None, ge=1)


class VendorCaseIn(InputSchema):
    vendor_case_id: int | None = Field(None, ge=1, le=MAX_ID)


class MajorUpdateOut(Schema):
    body_es: str
    body_en: str
    final: bool
    created_at: datetime


class MajorIncidentOut(Schema):
    id: int
    reference: str
    title_es: str
    title_en: str
    description: str
    status: str
    show_in_portal: bool
    problem_id: int | None
    ticket_ids: list[int]
    subscribers: int
    updates: list[MajorUpdateOut]
    declared_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class MajorCreateIn(InputSchema):
    title_es: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    show_in_portal: bool = True
    from_ticket_id: int | None = Field(None, ge=1, le=MAX_ID)
    problem_id: int | None = Field(None, ge=1, le=MAX_ID)


class MajorUpdateIn(InputSchema):
    body_es: str = Field("", max_length=20000)
    body_en: str = Field("", max_length=20000)


class MajorResolveIn(MajorUpdateIn):
    resolve_tickets: bool = True


class ReachOut(Schema):
    tickets: int
    subscribers: int
    missed: list[str]


class ProblemFilters(InputSchema):
    status: list[Literal[tuple(ProblemStatus.values)]] | None = None  # type: ignore[valid-type]


class MajorFilters(InputSchema):
    status: Literal[tuple(MajorIncidentStatus.values)] | None = None  # type: ignore[valid-type]


# --- helpers ------------------------------------------------------------------------------------


def _problem_out(problem: Problem) -> dict[str, Any]:
    data = {f: getattr(problem, f) for f in ProblemOut.model_fields if hasattr(problem, f)}
    data["ticket_ids"] = list(problem.links.values_list("ticket_id", flat=True))
    return data


def _major_out(incident: MajorIncident) -> dict[str, Any]:
    return {
        **{f: getattr(incident, f) for f in MajorIncidentOut.model_fields if hasattr(incident, f)},
        "ticket_ids": list(incident.links.values_list("ticket_id", flat=True)),
        "subscribers": incident.subscribers.count(),
        "updates": list(incident.updates.order_by("created_at", "id")),
    }


def _major(request: HttpRequest, pk: int) -> MajorIncident:
    ensure_staff(request.auth)
    found = MajorIncident.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Major incident not found."))
    return found


def _row(model: type, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("Nothing with this id."), field=field)
    return found


def _staff(request: HttpRequest) -> None:
    ensure_staff(request.auth)


def _known_query(request: HttpRequest, *names: str) -> None:
    """A filter the operation does not know is refused, not silently ignored."""
    unknown = sorted(set(request.GET) - set(names))
    if unknown:
        raise ValidationFailed(_("Unknown filter."), field=unknown[0][:100])


# --- problems -----------------------------------------------------------------------------------


@router.get("/problems", response={200: list[ProblemOut], **COMMON_ERRORS}, auth=auth.read)
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]) -> list:
    """Problems, newest first (agents). Filter by `status`."""
    _staff(request)
    _known_query(request, "status")
    problems = problems_visible_to(request.auth).prefetch_related("links")
    if filters.status:
        problems = problems.filter(status__in=filters.status)
    return [_problem_out(p) for p in problems[:500]]


@router.post("/problems", response={201: ProblemOut, **WRITE_ERRORS}, auth=auth.write)
def create_problem(request: HttpRequest, payload: ProblemCreateIn):
    problem = actions.open_problem(
        by=request.auth,
        title=payload.title,
        description=payload.description,
        owner_tier=_row(SupportTier, payload.owner_tier_id, "owner_tier_id"),
        owner_team=_row(Team, payload.owner_team_id, "owner_team_id"),
        tickets=payload.ticket_ids,
    )
    return Status(201, _problem_out(problem))


@router.get("/problems/{problem_id}", response={200: ProblemOut, **COMMON_ERRORS}, auth=auth.read)
def read_problem(request: HttpRequest, problem_id: int = PathId) -> dict:
    _staff(request)
    return _problem_out(access_problem(request.auth, problem_id))


@router.post(
    "/problems/{problem_id}/tickets",
    response={200: ProblemOut, **WRITE_ERRORS},
    auth=auth.write,
)
def link_problem_tickets(request: HttpRequest, payload: LinkIn, problem_id: int = PathId):
    """Link incidents (all of them or none)."""
    problem = access_problem(request.auth, problem_id)
    actions.link_tickets(problem=problem, tickets=payload.ticket_ids, by=request.auth)
    return _problem_out(access_problem(request.auth, problem_id))


@router.post(
    "/problems/{problem_id}/root-cause",
    response={200: ProblemOut, **WRITE_ERRORS},
    auth=auth.write,
)
def record_root_cause(request: HttpRequest, payload: RootCauseIn, problem_id: int = PathId):
    problem = access_problem(request.auth, problem_id)
    done = actions.record_root_cause(
        problem=problem,
        by=request.auth,
        root_cause=payload.root_cause,
        expected_version=payload.version,
    )
    return _problem_out(done)


@router.post(
    "/problems/{problem_id}/workaround",
    response={200: ProblemOut, **WRITE_ERRORS},
    auth=auth.write,
)
def publish_workaround(request: HttpRequest, payload: WorkaroundIn, problem_id: int = PathId):
    """Publish the workaround: the problem becomes a known error and its article is published."""
    problem = access_problem(request.auth, problem_id)
    done = actions.publish_workaround(
        problem=problem,
        by=request.auth,
        workaround_es=payload.workaround_es,
        workaround_en=payload.workaround_en,
        public=payload.public,
        expected_version=payload.version,
    )
    return _problem_out(done)


@router.post(
    "/problems/{problem_id}/status",
    response={200: ProblemOut, **WRITE_ERRORS},
    auth=auth.write,
)
def change_problem_status(request: HttpRequest, payload: ProblemStatusIn, problem_id: int = PathId):
    problem = access_problem(request.auth, problem_id)
    done = actions.change_problem_status(
        problem=problem,
        by=request.auth,
        to=payload.status,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _problem_out(done)


@router.post(
    "/problems/{problem_id}/vendor-case",
    response={200: ProblemOut, **WRITE_ERRORS},
    auth=auth.write,
)
def link_vendor_case(request: HttpRequest, payload: VendorCaseIn, problem_id: int = PathId):
    problem = access_problem(request.auth, problem_id)
    case = _row(VendorCase, payload.vendor_case_id, "vendor_case_id")
    return _problem_out(
        actions.link_vendor_case(problem=problem, by=request.auth, vendor_case=case)
    )


# --- major incidents ----------------------------------------------------------------------------


@router.get(
    "/major-incidents",
    response={200: list[MajorIncidentOut], **COMMON_ERRORS},
    auth=auth.read,
    tags=["major incidents"],
)
def list_major_incidents(request: HttpRequest, filters: Query[MajorFilters]) -> list:
    _staff(request)
    _known_query(request, "status")
    incidents = MajorIncident.objects.all()
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    return [_major_out(i) for i in incidents[:200]]


@router.post(
    "/major-incidents",
    response={201: MajorIncidentOut, **WRITE_ERRORS},
    auth=auth.write,
    tags=["major incidents"],
)
def declare_major_incident(request: HttpRequest, payload: MajorCreateIn):
    from escala.tickets.permissions import access_ticket

    source = access_ticket(request.auth, payload.from_ticket_id) if payload.from_ticket_id else None
    incident = mi.declare_major_incident(
        by=request.auth,
        title_es=payload.title_es,
        title_en=payload.title_en,
        description=payload.description,
        show_in_portal=payload.show_in_portal,
        from_ticket=source,
        problem=_row(Problem, payload.problem_id, "problem_id"),
    )
    return Status(201, _major_out(incident))


@router.get(
    "/major-incidents/{incident_id}",
    response={200: MajorIncidentOut, **COMMON_ERRORS},
    auth=auth.read,
    tags=["major incidents"],
)
def read_major_incident(request: HttpRequest, incident_id: int = PathId) -> dict:
    return _major_out(_major(request, incident_id))


@router.post(
    "/major-incidents/{incident_id}/tickets",
    response={200: MajorIncidentOut, **WRITE_ERRORS},
    auth=auth.write,
    tags=["major incidents"],
)
def link_major_tickets(request: HttpRequest, payload: LinkIn, incident_id: int = PathId):
    incident = _major(request, incident_id)
    mi.link_to_major_incident(incident=incident, tickets=payload.ticket_ids, by=request.auth)
    return _major_out(incident)


@router.post(
    "/major-incidents/{incident_id}/updates",
    response={200: ReachOut, **WRITE_ERRORS},
    auth=auth.write,
    tags=["major incidents"],
)
def post_update(request: HttpRequest, payload: MajorUpdateIn, incident_id: int = PathId):
    """One update to every linked requester and subscriber."""
    incident = _major(request, incident_id)
    reach = mi.post_major_incident_update(
        incident=incident, by=request.auth, body_es=payload.body_es, body_en=payload.body_en
    )
    return reach.__dict__


@router.post(
    "/major-incidents/{incident_id}/resolve",
    response={200: ReachOut, **WRITE_ERRORS},
    auth=auth.write,
    tags=["major incidents"],
)
def resolve(request: HttpRequest, payload: MajorResolveIn, incident_id: int = PathId):
    incident = _major(request, incident_id)
    reach = mi.resolve_major_incident(
        incident=incident,
        by=request.auth,
        body_es=payload.body_es,
        body_en=payload.body_en,
        resolve_tickets=payload.resolve_tickets,
    )
    return reach.__dict__
