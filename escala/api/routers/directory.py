"""The directory: requesters, organizations, tiers, teams, categories, vendors, agents.

Agents see the whole directory; a requester sees their own organization and themself (a manager:
their organization's requesters), and the public configuration (tiers, categories)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from escala.core.errors import NotFound
from escala.people.models import Agent, Organization, Requester
from escala.people.queries import requester_of
from escala.tickets.permissions import is_staff_member
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .. import auth, present
from ..schemas.common import COMMON_ERRORS, MAX_ID, CategoryRef, InputSchema, Ref, TierRef

router = Router(tags=["directory"])
PathId = Path(..., ge=1, le=MAX_ID)


class Paging(InputSchema):
    q: str | None = Field(default=None, max_length=100, description="Name contains.")
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=100, ge=1, le=500)


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    email_domain: str
    is_active: bool


class RequesterOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    kind: str
    organization: Ref
    is_manager: bool
    language: str


class TierOut(TierRef):
    description: str
    portal_label: str
    is_external: bool


class TeamOut(Schema):
    id: int
    name: str
    tier: TierRef
    email: str
    is_active: bool


class CategoryOut(CategoryRef):
    tier: TierRef
    team: Ref | None
    is_active: bool


class VendorOut(Schema):
    id: int
    name: str
    support_email: str
    contract_reference: str
    response_time_hours: float
    resolution_time_hours: float
    is_active: bool


class AgentOut(Schema):
    id: int
    name: str
    username: str
    teams: list[Ref]
    is_supervisor: bool
    is_away: bool


def _page(qs: Any, paging: Paging, field: str = "name") -> Any:
    if paging.q:
        qs = qs.filter(**{f"{field}__icontains": paging.q})
    return qs[paging.offset : paging.offset + paging.limit]


def _staff_only(request: HttpRequest) -> None:
    if not is_staff_member(request.auth):
        raise NotFound(_("Not found."))


def _requesters(request: HttpRequest) -> Any:
    qs = Requester.objects.select_related("organization")
    if is_staff_member(request.auth):
        return qs
    me = requester_of(request.auth)
    if me is None:
        return qs.none()
    if me.is_manager:
        return qs.filter(organization_id=me.organization_id)
    return qs.filter(pk=me.pk)


def _organizations(request: HttpRequest) -> Any:
    if is_staff_member(request.auth):
        return Organization.objects.all()
    me = requester_of(request.auth)
    return Organization.objects.filter(pk=me.organization_id if me else None)


def _requester(r: Requester) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "email": r.email,
        "phone": r.phone,
        "kind": r.kind,
        "organization": {"id": r.organization.pk, "name": r.organization.name},
        "is_manager": r.is_manager,
        "language": r.language,
    }


READ = {**COMMON_ERRORS}


@router.get("/requesters", response={200: list[RequesterOut], **READ}, auth=auth.read)
def list_requesters(request: HttpRequest, paging: Query[Paging]):
    return [_requester(r) for r in _page(_requesters(request), paging)]


@router.get("/requesters/{requester_id}", response={200: RequesterOut, **READ}, auth=auth.read)
def read_requester(request: HttpRequest, requester_id: int = PathId):
    found = _requesters(request).filter(pk=requester_id).first()
    if found is None:
        raise NotFound(_("Requester not found."))
    return _requester(found)


@router.get("/organizations", response={200: list[OrganizationOut], **READ}, auth=auth.read)
def list_organizations(request: HttpRequest, paging: Query[Paging]):
    return list(_page(_organizations(request), paging))


@router.get(
    "/organizations/{organization_id}", response={200: OrganizationOut, **READ}, auth=auth.read
)
def read_organization(request: HttpRequest, organization_id: int = PathId):
    found = _organizations(request).filter(pk=organization_id).first()
    if found is None:
        raise NotFound(_("Organization not found."))
    return found


def _tier(t: SupportTier) -> dict[str, Any]:
    return {
        **present.tier(t),
        "description": t.localized("description"),
        "portal_label": t.localized("portal_label"),
        "is_external": t.is_external,
    }


@router.get("/tiers", response={200: list[TierOut], **READ}, auth=auth.read)
def list_tiers(request: HttpRequest):
    return [_tier(t) for t in SupportTier.objects.order_by("level")]


@router.get("/teams", response={200: list[TeamOut], **READ}, auth=auth.read)
def list_teams(request: HttpRequest, paging: Query[Paging]):
    _staff_only(request)
    teams = _page(Team.objects.select_related("tier"), paging)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "tier": present.tier(t.tier),
            "email": t.email,
            "is_active": t.is_active,
        }
        for t in teams
    ]


@router.get("/categories", response={200: list[CategoryOut], **READ}, auth=auth.read)
def list_categories(request: HttpRequest, paging: Query[Paging]):
    categories = Category.objects.select_related("tier", "team")
    if not is_staff_member(request.auth):
        categories = categories.filter(is_active=True)
    return [
        {
            **present.category(c),
            "tier": present.tier(c.tier),
            "team": {"id": c.team.pk, "name": c.team.name} if c.team else None,
            "is_active": c.is_active,
        }
        for c in _page(categories, paging, field="code")
    ]


@router.get("/vendors", response={200: list[VendorOut], **READ}, auth=auth.read)
def list_vendors(request: HttpRequest, paging: Query[Paging]):
    _staff_only(request)
    return [
        {
            "id": v.pk,
            "name": v.name,
            "support_email": v.support_email,
            "contract_reference": v.contract_reference,
            "response_time_hours": v.response_time.total_seconds() / 3600,
            "resolution_time_hours": v.resolution_time.total_seconds() / 3600,
            "is_active": v.is_active,
        }
        for v in _page(Vendor.objects.all(), paging)
    ]


@router.get("/agents", response={200: list[AgentOut], **READ}, auth=auth.read)
def list_agents(request: HttpRequest, paging: Query[Paging]):
    _staff_only(request)
    agents = Agent.objects.select_related("user").prefetch_related("teams")
    return [
        {
            "id": a.pk,
            "name": a.display_name,
            "username": a.user.username,
            "teams": [{"id": t.pk, "name": t.name} for t in a.teams.all()],
            "is_supervisor": a.is_supervisor,
            "is_away": a.is_away,
        }
        for a in _page(agents, paging, field="user__username")
    ]
