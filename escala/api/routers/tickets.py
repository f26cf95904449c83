"""Tickets: list, create, read, update, the conversation, every action, history and tier path.

Each handler is the same three steps: a schema in, one action (or one visibility query), a schema
out. Visibility is only ever `tickets_visible_to` / `access_ticket`: a ticket the caller may not
see answers 404, exactly as in the console and the portal.
"""

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import BigIntegerField, DateTimeField, Prefetch, Q, Value
from django.db.models.fields.tuple_lookups import Tuple
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile as NinjaUploadedFile
from pydantic import Field

from escala.core.errors import Forbidden, NotFound, ValidationFailed
from escala.people.models import Agent, Requester
from escala.people.queries import agent_of, requester_of
from escala.tickets import actions
from escala.tickets.choices import OPEN_STATUSES, Channel, MessageKind
from escala.tickets.models import Attachment, Message, Ticket, TicketLink
from escala.tickets.permissions import access_ticket, is_staff_member, tickets_visible_to
from escala.tickets.requester_fields import refuse_staff_fields
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .. import auth, present
from ..schemas.common import COMMON_ERRORS, MAX_ID, WRITE_ERRORS, InputSchema
from ..schemas.tickets import (
    AssignIn,
    CaseNumberIn,
    ClockOut,
    CloseIn,
    DeEscalateIn,
    EscalateIn,
    EventOut,
    LinkIn,
    LinkOut,
    MergeIn,
    MessageIn,
    MessageOut,
    ParentIn,
    ParticipantIn,
    ReasonIn,
    ReferIn,
    ResolveIn,
    StatusIn,
    TicketCreateIn,
    TicketFilters,
    TicketOut,
    TicketPage,
    TicketUpdateIn,
    TierStayOut,
    VersionIn,
)

router = Router(tags=["tickets"])

OK = {200: TicketOut, **WRITE_ERRORS}


PathId = Path(..., ge=1, le=MAX_ID)


def _get(model: type, pk: int | None, field: str, message: str, **extra: Any) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, **extra).first()
    if obj is None:
        raise ValidationFailed(message, field=field)
    return obj


def _tier(level: int | None) -> SupportTier | None:
    if level is None:
        return None
    found = SupportTier.objects.filter(level=level).first()
    if found is None:
        raise ValidationFailed(_("There is no tier at that level."), field="to_tier")
    return found


def _fresh(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    ticket = present.with_related(tickets_visible_to(request.auth))
    found = ticket.filter(pk=ticket_id).first()
    if found is None:  # e.g. a requester who just merged it away from view
        raise NotFound(_("Ticket not found."))
    return present.ticket(found)


def _see(request: HttpRequest, ticket_id: int) -> Ticket:
    return access_ticket(request.auth, ticket_id)


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


# --- cursor pagination on (created_at, id), newest first ----------------------------------------


def _encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.created_at.isoformat()}|{ticket.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, pk = raw.partition("|")
        created = datetime.fromisoformat(when)
        number = int(pk)
        if created.tzinfo is None or not 0 < number <= MAX_ID:
            raise ValueError(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed(_("This cursor is not valid."), field="cursor") from None
    return created, number


@router.get("/tickets", response={200: TicketPage, **COMMON_ERRORS}, auth=auth.read)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Tickets the caller can see, newest first. Follow `next_cursor` for the next page."""
    tickets = tickets_visible_to(request.auth)
    f = filters
    if f.status:
        tickets = tickets.filter(status__in=f.status)
    if f.open is not None:
        tickets = (
            tickets.filter(status__in=OPEN_STATUSES)
            if f.open
            else tickets.exclude(status__in=OPEN_STATUSES)
        )
    if f.tier is not None:
        tickets = tickets.filter(tier__level=f.tier)
    simple = {
        "team_id": f.team,
        "assignee_id": f.assignee,
        "requester_id": f.requester,
        "organization_id": f.organization,
        "category_id": f.category,
        "vendor_id": f.vendor,
    }
    tickets = tickets.filter(**{k: v for k, v in simple.items() if v is not None})
    if f.mine:
        agent = agent_of(request.auth)
        tickets = tickets.filter(assignee=agent) if agent else tickets.none()
    if f.unassigned is not None:
        tickets = tickets.filter(assignee__isnull=f.unassigned)
    if f.priority:
        tickets = tickets.filter(priority__in=f.priority)
    if f.created_after is not None:
        tickets = tickets.filter(created_at__gte=f.created_after)
    if f.created_before is not None:
        tickets = tickets.filter(created_at__lt=f.created_before)
    if f.cursor:
        created, pk = _decode_cursor(f.cursor)
        # A row comparison, (created_at, id) < (c, i): the index "ticket_newest" seeks straight
        # to it, where the equivalent OR of two conditions would be filtered row by row.
        after = Tuple(
            Value(created, output_field=DateTimeField()), Value(pk, output_field=BigIntegerField())
        )
        tickets = tickets.alias(position=Tuple("created_at", "id")).filter(position__lt=after)
    page = list(present.with_related(tickets).order_by("-created_at", "-id")[: f.limit + 1])
    more = len(page) > f.limit
    page = page[: f.limit]
    return {
        "items": [present.ticket(t) for t in page],
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }


@router.post("/tickets", response={201: TicketOut, **WRITE_ERRORS}, auth=auth.write)
def create_ticket(request: HttpRequest, payload: TicketCreateIn) -> Status:
    """Open a ticket. A requester opens their own; an agent files one for any requester."""
    user = request.auth
    # Impact, urgency and channel are the desk's: a requester who sends them is told, per field.
    refuse_staff_fields(user, payload.model_dump(exclude_unset=True))
    if payload.requester_id is not None:
        requester = _get(
            Requester, payload.requester_id, "requester_id", _("There is no such requester.")
        )
    else:
        requester = requester_of(user)
        if requester is None:
            raise ValidationFailed(_("Say for which requester."), field="requester_id")
    ticket = actions.create_ticket(
        requester=requester,
        subject=payload.subject,
        body=payload.body,
        channel=payload.channel or Channel.API,
        by=user,
        category=_get(
            Category, payload.category_id, "category_id", _("There is no such category.")
        ),
        impact=payload.impact,
        urgency=payload.urgency,
    )
    # Its filer sees it whatever their tiers: answered from the rows just written, not re-read.
    ticket.organization = requester.organization
    return Status(201, present.ticket(ticket))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **COMMON_ERRORS}, auth=auth.read)
def read_ticket(request: HttpRequest, ticket_id: int = PathId) -> dict:
    return _fresh(request, _see(request, ticket_id).pk)


@router.patch("/tickets/{ticket_id}", response=OK, auth=auth.write)
def update_ticket(request: HttpRequest, payload: TicketUpdateIn, ticket_id: int = PathId) -> dict:
    """Change the subject, category, impact, urgency or priority (agents)."""
    ticket = _see(request, ticket_id)
    actions.update_ticket_fields(
        ticket=ticket,
        by=request.auth,
        subject=payload.subject,
        category=_get(
            Category, payload.category_id, "category_id", _("There is no such category.")
        ),
        impact=payload.impact,
        urgency=payload.urgency,
        priority=payload.priority,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


# --- the conversation ---------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/messages",
    response={200: list[MessageOut], **COMMON_ERRORS},
    auth=auth.read,
)
def list_messages(request: HttpRequest, ticket_id: int = PathId) -> list:
    """The conversation, oldest first. Requesters see public replies only."""
    ticket = _see(request, ticket_id)
    messages = Message.objects.filter(ticket=ticket).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    if not is_staff_member(request.auth):
        messages = messages.filter(kind=MessageKind.REPLY)
    return [present.message(m) for m in messages.order_by("created_at", "id")]


def _message_response(message: Message) -> Status:
    fresh = Message.objects.prefetch_related("attachments").get(pk=message.pk)
    return Status(201, present.message(fresh))


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: MessageOut, **WRITE_ERRORS},
    auth=auth.write,
)
def reply(request: HttpRequest, payload: MessageIn, ticket_id: int = PathId):
    """A public reply: from an agent, or from the requester on their own ticket."""
    ticket = _see(request, ticket_id)
    message = actions.add_reply(
        ticket=ticket,
        by=request.auth,
        body=payload.body,
        channel="api",
        time_spent=_minutes(payload.time_spent_minutes),
        expected_version=payload.expected_version,
    )
    return _message_response(message)


@router.post(
    "/tickets/{ticket_id}/notes", response={201: MessageOut, **WRITE_ERRORS}, auth=auth.write
)
def note(request: HttpRequest, payload: MessageIn, ticket_id: int = PathId):
    """An internal note (agents only)."""
    ticket = _see(request, ticket_id)
    message = actions.add_note(
        ticket=ticket,
        by=request.auth,
        body=payload.body,
        time_spent=_minutes(payload.time_spent_minutes),
        expected_version=payload.expected_version,
    )
    return _message_response(message)


class UploadForm(InputSchema):
    kind: MessageKind = MessageKind.REPLY
    body: str = Field(min_length=1, max_length=100_000)
    time_spent_minutes: int | None = Field(default=None, ge=0, le=1440)


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: MessageOut, **WRITE_ERRORS},
    auth=auth.write,
)
def post_with_attachments(
    request: HttpRequest,
    form: Form[UploadForm],
    files: File[list[NinjaUploadedFile]] = None,  # type: ignore[assignment]
    ticket_id: int = PathId,
):
    """A reply or note with attachments, as multipart/form-data (`files` may repeat)."""
    ticket = _see(request, ticket_id)
    uploads: list[UploadedFile] = list(files or [])
    common = {
        "ticket": ticket,
        "by": request.auth,
        "body": form.body,
        "attachments": uploads,
        "time_spent": _minutes(form.time_spent_minutes),
    }
    if form.kind == MessageKind.NOTE:
        message = actions.add_note(**common)
    else:
        message = actions.add_reply(channel="api", **common)
    return _message_response(message)


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    response={200: None, **COMMON_ERRORS},
    auth=auth.read,
    url_name="download_attachment",
)
def download_attachment(
    request: HttpRequest,
    ticket_id: int = PathId,
    attachment_id: int = PathId,
):
    ticket = _see(request, ticket_id)
    found = Attachment.objects.filter(pk=attachment_id, message__ticket=ticket)
    if not is_staff_member(request.auth):
        found = found.filter(message__kind=MessageKind.REPLY)
    attachment = found.first()
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


# --- actions ------------------------------------------------------------------------------------


@router.post("/tickets/{ticket_id}/claim", response=OK, auth=auth.write)
def claim(request: HttpRequest, payload: VersionIn, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    actions.claim_ticket(ticket=ticket, by=request.auth, expected_version=payload.expected_version)
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/assign", response=OK, auth=auth.write)
def assign(request: HttpRequest, payload: AssignIn, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    assignee = _get(Agent, payload.assignee_id, "assignee_id", _("There is no such agent."))
    actions.assign_ticket(
        ticket=ticket,
        by=request.auth,
        assignee=assignee,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/status", response=OK, auth=auth.write)
def change_status(request: HttpRequest, payload: StatusIn, ticket_id: int = PathId):
    """Set open / pending customer / pending vendor; resolve, reopen and close have their own."""
    ticket = _see(request, ticket_id)
    actions.change_status(
        ticket=ticket,
        by=request.auth,
        to=payload.status,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/escalate", response=OK, auth=auth.write)
def escalate(request: HttpRequest, payload: EscalateIn, ticket_id: int = PathId):
    """Up to the next tier (or `to_tier`), with a reason and a handover summary."""
    ticket = _see(request, ticket_id)
    actions.escalate_ticket(
        ticket=ticket,
        by=request.auth,
        reason=payload.reason,
        handover=payload.handover,
        to_tier=_tier(payload.to_tier),
        to_team=_get(Team, payload.to_team_id, "to_team_id", _("There is no such team.")),
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/de-escalate", response=OK, auth=auth.write)
def de_escalate(request: HttpRequest, payload: DeEscalateIn, ticket_id: int = PathId):
    """Back down to a lower tier, or home from a vendor."""
    ticket = _see(request, ticket_id)
    actions.de_escalate_ticket(
        ticket=ticket,
        by=request.auth,
        note=payload.note,
        to_tier=_tier(payload.to_tier),
        to_team=_get(Team, payload.to_team_id, "to_team_id", _("There is no such team.")),
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/refer", response=OK, auth=auth.write)
def refer(request: HttpRequest, payload: ReferIn, ticket_id: int = PathId):
    """Refer to an outside vendor (Level 4), optionally with their case number."""
    ticket = _see(request, ticket_id)
    actions.refer_to_vendor(
        ticket=ticket,
        by=request.auth,
        vendor=_get(Vendor, payload.vendor_id, "vendor_id", _("There is no such vendor.")),
        reason=payload.reason,
        case_number=payload.case_number,
        contact=payload.contact,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/vendor-case-number", response=OK, auth=auth.write)
def vendor_case_number(request: HttpRequest, payload: CaseNumberIn, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    actions.set_vendor_case_number(
        ticket=ticket,
        by=request.auth,
        case_number=payload.case_number,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/resolve", response=OK, auth=auth.write)
def resolve(request: HttpRequest, payload: ResolveIn, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    actions.resolve_ticket(
        ticket=ticket,
        by=request.auth,
        summary=payload.summary,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/reopen", response=OK, auth=auth.write)
def reopen(request: HttpRequest, payload: ReasonIn, ticket_id: int = PathId):
    """Reopen a resolved ticket (its agents, or the requester)."""
    ticket = _see(request, ticket_id)
    actions.reopen_ticket(
        ticket=ticket,
        by=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/close", response=OK, auth=auth.write)
def close(request: HttpRequest, payload: CloseIn, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    actions.close_ticket(
        ticket=ticket,
        by=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _fresh(request, ticket.pk)


@router.post("/tickets/{ticket_id}/merge", response=OK, auth=auth.write)
def merge(request: HttpRequest, payload: MergeIn, ticket_id: int = PathId):
    """Fold this ticket into `into_id`; answers with the ticket it was merged into."""
    source = _see(request, ticket_id)
    target = access_ticket(request.auth, payload.into_id)
    actions.merge_tickets(source=source, target=target, by=request.auth, reason=payload.reason)
    return _fresh(request, target.pk)


@router.get(
    "/tickets/{ticket_id}/links", response={200: list[LinkOut], **COMMON_ERRORS}, auth=auth.read
)
def list_links(request: HttpRequest, ticket_id: int = PathId):
    ticket = _see(request, ticket_id)
    visible = tickets_visible_to(request.auth).values("pk")
    links = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).filter(
        source__in=visible, target__in=visible
    )
    return list(links.order_by("id"))


@router.post("/tickets/{ticket_id}/links", response={201: LinkOut, **WRITE_ERRORS}, auth=auth.write)
def link(request: HttpRequest, payload: LinkIn, ticket_id: int = PathId):
    source = _see(request, ticket_id)
    target = access_ticket(request.auth, payload.target_id)
    return Status(
        201, actions.link_tickets(source=source, target=target, by=request.auth, kind=payload.kind)
    )


@router.delete(
    "/tickets/{ticket_id}/links/{link_id}",
    response={204: None, **WRITE_ERRORS},
    auth=auth.write,
)
def unlink(
    request: HttpRequest,
    ticket_id: int = PathId,
    link_id: int = PathId,
):
    ticket = _see(request, ticket_id)
    found = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id).first()
    if found is None:
        raise NotFound(_("Link not found."))
    actions.unlink_tickets(link=found, by=request.auth)
    return Status(204, None)


@router.post("/tickets/{ticket_id}/parent", response=OK, auth=auth.write)
def set_parent(request: HttpRequest, payload: ParentIn, ticket_id: int = PathId):
    child = _see(request, ticket_id)
    parent = None
    if payload.parent_id is not None:
        parent = access_ticket(request.auth, payload.parent_id)
    actions.set_parent(child=child, parent=parent, by=request.auth)
    return _fresh(request, child.pk)


@router.post("/tickets/{ticket_id}/participants", response=OK, auth=auth.write)
def add_participant(request: HttpRequest, payload: ParticipantIn, ticket_id: int = PathId):
    """Pull in an agent from another tier, or copy a requester."""
    ticket = _see(request, ticket_id)
    actions.add_participant(
        ticket=ticket,
        by=request.auth,
        agent=_get(Agent, payload.agent_id, "agent_id", _("There is no such agent.")),
        requester=_get(
            Requester, payload.requester_id, "requester_id", _("There is no such requester.")
        ),
    )
    return _fresh(request, ticket.pk)


# --- history ------------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/events",
    response={200: list[EventOut], **COMMON_ERRORS},
    auth=auth.read,
)
def history(request: HttpRequest, ticket_id: int = PathId):
    """The ticket's history, oldest first. Requesters see the life cycle, not the desk's notes."""
    ticket = _see(request, ticket_id)
    staff = is_staff_member(request.auth)
    events = ticket.events.order_by("created_at", "id")
    if not staff:
        events = events.filter(kind__in=present.REQUESTER_EVENTS)
    return [present.event(e, staff=staff) for e in events]


@router.get(
    "/tickets/{ticket_id}/tier-path",
    response={200: list[TierStayOut], **COMMON_ERRORS},
    auth=auth.read,
)
def tier_path(request: HttpRequest, ticket_id: int = PathId):
    """Every stay of the ticket at a tier: when it entered and left, and why."""
    ticket = _see(request, ticket_id)
    staff = is_staff_member(request.auth)
    stays = ticket.tier_stays.select_related("tier", "team", "vendor").order_by("entered_at", "id")
    return [present.stay(s, staff=staff) for s in stays]


def _minutes_of(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() // 60)


@router.get(
    "/tickets/{ticket_id}/clocks",
    response={200: list[ClockOut], **COMMON_ERRORS},
    auth=auth.read,
)
def ticket_clocks(request: HttpRequest, ticket_id: int = PathId):
    """The SLA clocks (first response, resolution...): due, remaining, paused, breached."""
    from escala.sla.queries import clocks_for

    ticket = _see(request, ticket_id)
    if not is_staff_member(request.auth):
        raise Forbidden(_("Only help desk agents can see the SLA clocks."))
    return [
        {
            "kind": c.kind,
            "label": c.label,
            "target_minutes": _minutes_of(c.target),
            "elapsed_minutes": _minutes_of(c.elapsed),
            "remaining_minutes": _minutes_of(c.remaining),
            "due_at": c.due_at,
            "paused": c.paused,
            "stopped_at": c.stopped_at,
            "breached": c.breached,
        }
        for c in clocks_for(ticket)
    ]
