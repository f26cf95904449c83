from datetime import datetime

from ninja import Schema
from pydantic import Field

from escala.tickets.choices import Channel, LinkKind, Status
from escala.tiers.choices import Impact, Priority, Urgency

from .common import MAX_ID, CategoryRef, InputSchema, Moment, Ref, TierRef

Id = Field(ge=1, le=MAX_ID)
Version = Field(default=None, ge=1, le=2**31 - 1)
Text = Field(min_length=1, max_length=100_000)
Reason = Field(min_length=1, max_length=10_000)


class RequesterRef(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str
    impact: str
    urgency: str
    channel: str
    tier: TierRef
    team: Ref | None
    assignee: Ref | None
    requester: RequesterRef
    organization: Ref
    category: CategoryRef | None
    vendor: Ref | None
    vendor_case_number: str
    parent_id: int | None
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_summary: str
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketFilters(InputSchema):
    status: list[Status] | None = None
    open: bool | None = Field(default=None, description="Only open (true) or done (false).")
    tier: int | None = Field(default=None, ge=0, le=32767, description="Tier level, e.g. 2.")
    team: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignee: int | None = Field(default=None, ge=1, le=MAX_ID, description="Agent id.")
    mine: bool | None = Field(default=None, description="Only tickets assigned to me.")
    unassigned: bool | None = None
    requester: int | None = Field(default=None, ge=1, le=MAX_ID)
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    category: int | None = Field(default=None, ge=1, le=MAX_ID)
    priority: list[Priority] | None = None
    vendor: int | None = Field(default=None, ge=1, le=MAX_ID)
    created_after: Moment | None = None
    created_before: Moment | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)


class TicketCreateIn(InputSchema):
    subject: str = Field(min_length=1, max_length=250)
    body: str = Text
    requester_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Agents file for anyone; requesters omit it.",
    )
    category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    impact: Impact | None = Field(default=None, description="Agents only (medium when omitted).")
    urgency: Urgency | None = Field(default=None, description="Agents only (medium when omitted).")
    channel: Channel | None = Field(default=None, description="Agents only (api when omitted).")


class TicketUpdateIn(InputSchema):
    subject: str | None = Field(default=None, min_length=1, max_length=250)
    category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    impact: Impact | None = None
    urgency: Urgency | None = None
    priority: Priority | None = None
    expected_version: int | None = Version


class VersionIn(InputSchema):
    expected_version: int | None = Version


class MessageIn(InputSchema):
    body: str = Text
    time_spent_minutes: int | None = Field(default=None, ge=0, le=1440)
    expected_version: int | None = Version


class AssignIn(InputSchema):
    assignee_id: int | None = Field(ge=1, le=MAX_ID, description="null unassigns.")
    expected_version: int | None = Version


class StatusIn(InputSchema):
    status: Status
    reason: str = Field(default="", max_length=10_000)
    expected_version: int | None = Version


class EscalateIn(InputSchema):
    reason: str = Reason
    handover: str = Reason
    to_tier: int | None = Field(default=None, ge=0, le=32767, description="Tier level.")
    to_team_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected_version: int | None = Version


class DeEscalateIn(InputSchema):
    note: str = Reason
    to_tier: int | None = Field(default=None, ge=0, le=32767, description="Tier level.")
    to_team_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected_version: int | None = Version


class ReferIn(InputSchema):
    vendor_id: int = Id
    reason: str = Reason
    case_number: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=200)
    expected_version: int | None = Version


class CaseNumberIn(InputSchema):
    case_number: str = Field(min_length=1, max_length=100)
    expected_version: int | None = Version


class ResolveIn(InputSchema):
    summary: str = Reason
    expected_version: int | None = Version


class ReasonIn(InputSchema):
    reason: str = Reason
    expected_version: int | None = Version


class CloseIn(InputSchema):
    reason: str = Field(default="", max_length=10_000)
    expected_version: int | None = Version


class MergeIn(InputSchema):
    into_id: int = Id
    reason: str = Field(default="", max_length=10_000)


class LinkIn(InputSchema):
    target_id: int = Id
    kind: LinkKind = LinkKind.RELATED


class ParentIn(InputSchema):
    parent_id: int | None = Field(ge=1, le=MAX_ID, description="null removes the parent.")


class ParticipantIn(InputSchema):
    agent_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    requester_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    kind: str
    author_kind: str
    author_name: str
    body: str
    body_format: str = Field(
        description="`text`, or `markdown` (written in the console; render it as untrusted)."
    )
    channel: str
    created_at: datetime
    time_spent_minutes: int | None
    attachments: list[AttachmentOut]


class EventOut(Schema):
    id: int
    kind: str
    actor_name: str
    created_at: datetime
    field: str
    old_value: str
    new_value: str
    reason: str
    data: dict


class TierStayOut(Schema):
    id: int
    tier: TierRef
    team: Ref | None
    vendor: Ref | None
    entered_at: datetime
    left_at: datetime | None
    entry_reason: str
    exit_reason: str
    entry_note: str
    handover: str


class LinkOut(Schema):
    id: int
    source_id: int
    target_id: int
    kind: str
    created_at: datetime


class ClockOut(Schema):
    kind: str
    label: str
    target_minutes: int | None
    elapsed_minutes: int
    remaining_minutes: int | None
    due_at: datetime | None
    paused: bool
    stopped_at: datetime | None
    breached: bool
