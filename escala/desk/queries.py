"""The console's reads: which tickets a queue holds, and everything the ticket page shows, each
in a fixed number of queries whatever the page size or the length of the thread."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _

from escala.core import clock, kept_sql
from escala.core.errors import NotFound
from escala.core.paging import Order
from escala.knowledge import search
from escala.mail.models import BouncedAddress
from escala.mail.queries import sender_check
from escala.people.access import requesters_visible_to
from escala.people.models import Agent, Requester
from escala.people.queries import agent_of, is_admin, team_and_tier_ids
from escala.surveys.queries import Satisfaction, satisfaction_of
from escala.tickets.choices import OPEN_STATUSES, Channel, EventKind, MessageKind
from escala.tickets.models import (
    Message,
    Ticket,
    TicketEvent,
    TicketLink,
    TierStay,
    VendorCase,
)
from escala.tickets.permissions import (
    TicketScope,
    ticket_scope,
    tickets_for_scope,
    tickets_visible_to,
)
from escala.tickets.references import parse_reference
from escala.tiers.choices import PRIORITY_RANK

from .labels import Labels

QUEUES = ("mine", "unassigned", "teams", "all")

SORTS: dict[str, Order] = {
    "newest": [("created_at", True), ("id", True)],
    "oldest": [("created_at", False), ("id", False)],
    "updated": [("updated_at", True), ("id", True)],
    "priority": [("priority_rank", False), ("created_at", True), ("id", True)],
    # The next SLA deadline, soonest (most overdue) first; tickets with nothing due last.
    "due": [("sla_due_at", False), ("id", False)],
}
NULLS_LAST = {"due": ("sla_due_at",)}

DUE_SOON = timedelta(hours=1)

# The columns a row shows or pages by; the rest of a ticket is not read.
QUEUE_COLUMNS = (
    "subject",
    "status",
    "priority",
    "tier_id",
    "team_id",
    "category_id",
    "organization_id",
    "assignee_id",
    "requester_id",
    "created_at",
    "updated_at",
    "sla_due_at",
)


def queue_page_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a queue row reads of each ticket. Its tier, team, category, organization and
    assignee are named from desk.labels (in memory); only the requester, from a big table, is
    read with the page: its name, as a subquery of the select list, which PostgreSQL runs for
    the rows kept after the sort and limit (a join was made before the sort, for every ticket
    of the queue; a query of its own cost more to compile and send than the page's probes)."""
    name = Requester.objects.filter(pk=OuterRef("requester_id")).order_by().values("name")
    return tickets.only(*QUEUE_COLUMNS).annotate(requester_name=Subquery(name))


def labelled(ticket: Ticket, names: Labels) -> bool:
    """Whether the labels name everything a queue row of this ticket shows."""
    return names.has(
        tier=ticket.tier_id,
        team=ticket.team_id,
        category=ticket.category_id,
        organization=ticket.organization_id,
        agent=ticket.assignee_id,
    )


def is_supervisor(user: Any) -> bool:
    agent = agent_of(user)
    return is_admin(user) or (agent is not None and agent.is_supervisor)


def agent_tiers_and_teams(agent: Agent | None) -> tuple[list[int], list[int]]:
    if agent is None:
        return [], []
    team_ids, tier_ids = team_and_tier_ids(agent)
    return tier_ids, team_ids


def queue(user: Any, name: str) -> QuerySet[Ticket]:
    """The tickets of one queue, before filters: always within what the user may see."""
    return tickets_visible_to(user).filter(queue_q(user, name))


def queue_q(user: Any, name: str) -> Q:
    """One queue's condition, within the user's visible tickets."""
    agent = agent_of(user)
    if name == "mine":
        return Q(assignee=agent) if agent else Q(pk__in=[])
    if name == "unassigned":
        tier_ids, _team_ids = agent_tiers_and_teams(agent)
        if is_supervisor(user) and not tier_ids:
            return Q(assignee__isnull=True)
        return Q(assignee__isnull=True, tier_id__in=tier_ids)
    if name == "teams":
        _tier_ids, team_ids = agent_tiers_and_teams(agent)
        return Q(team_id__in=team_ids)
    return Q()  # "all": everything the user may see (everything, for supervisors)


def open_counts(user: Any, names: list[str]) -> dict[str, int]:
    """Open tickets in each of the named queues, in one query."""
    counts = (
        tickets_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(**{name: Count("pk", filter=queue_q(user, name)) for name in names})
    )
    return {name: counts[name] or 0 for name in names}


def with_priority_rank(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.annotate(
        priority_rank=Case(
            *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
            default=Value(9),
            output_field=IntegerField(),
        )
    )


def filter_tickets(
    tickets: QuerySet[Ticket], data: dict[str, Any], *, user: Any = None
) -> QuerySet[Ticket]:
    """Apply the cleaned filter form (empty values mean "any"). The search box `q` matches a
    ticket number, or words anywhere in the subject and messages (`knowledge.search`, as
    `user` may read them: agents' notes too). `due`: "breached" (the next SLA deadline has
    passed) or "hour" (it falls within the coming hour, wall-clock)."""
    status = data.get("status") or "open"
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status != "any":
        tickets = tickets.filter(status=status)
    for name in ("priority", "channel"):
        if data.get(name):
            tickets = tickets.filter(**{name: data[name]})
    for name in ("category", "tier", "team", "organization"):
        if data.get(name) is not None:
            tickets = tickets.filter(**{name: data[name]})
    if data.get("requester") is not None:
        tickets = tickets.filter(requester_id=data["requester"])
    due = data.get("due")
    if due:
        now = clock.now()
        if due == "breached":
            tickets = tickets.filter(sla_due_at__lte=now)
        elif due == "hour":  # due in the coming hour, not yet overdue
            tickets = tickets.filter(sla_due_at__gt=now, sla_due_at__lte=now + DUE_SOON)
    assignee = data.get("assignee")
    if assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee_id=assignee)
    if text := (data.get("q") or "").strip():
        tickets = tickets.filter(search_q(text, user=user))
    return tickets


SEARCH_LIMIT = 1000  # tickets a queue search narrows to, best matches first


def search_q(text: str, *, user: Any = None) -> Q:
    by_number = Q(pk=pk) if (pk := parse_reference(text)) is not None else Q(pk__in=[])
    ids = search.ticket_ids_matching(user, text, limit=SEARCH_LIMIT)
    if ids is None:  # no searchable word (punctuation, one letter): the subject as typed
        return by_number | Q(subject__icontains=text)
    return by_number | Q(pk__in=ids)


@dataclass(frozen=True)
class File:
    pk: int
    filename: str
    size: int


@dataclass
class ThreadMessage:
    """One message as the page shows it: read as plain values (no model instance), with its
    files from the same query and, for a message filed from a mail, that mail and how its sender
    was verified."""

    pk: int
    kind: str
    author_kind: str
    author_name: str
    body: str
    channel: str
    created_at: Any
    time_spent: Any
    body_format: str = "text"  # "markdown" from the console's composer, where the column exists
    files: list[File] = field(default_factory=list)
    original_mail_id: int | None = None
    sender_check: dict | None = None

    def get_channel_display(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


@dataclass
class TicketPage:
    """Everything the ticket page shows, read in a fixed number of queries."""

    ticket: Ticket
    messages: list[ThreadMessage]
    events: list[Any]
    stays: list[TierStay]
    vendor_cases: list[VendorCase]
    links: list[tuple[str, Ticket]]
    agents: list[Agent] = field(default_factory=list)


TICKET_RELATED = (
    "requester__organization",
    "organization",
    "tier",
    "team",
    "assignee__user",
    "category",
    "vendor",
)  # not merged_into: the page shows only its reference, from merged_into_id

MESSAGE_COLUMNS = (
    "pk",
    "kind",
    "author_kind",
    "author_name",
    "body",
    "channel",
    "created_at",
    "time_spent",
    # A message written in Markdown says so (tickets.Message.body_format, when the model has it).
    *(["body_format"] if any(f.name == "body_format" for f in Message._meta.fields) else []),
)
FILE_COLUMNS = ("attachments__pk", "attachments__filename", "attachments__size")
# The mail a message was filed from, if any, and how its sender was verified.
MAIL_COLUMNS = (
    "inbound_mails__pk",
    "inbound_mails__auth_result",
    "inbound_mails__auth",
    "inbound_mails__decision",
    "inbound_mails__decided_by__first_name",
    "inbound_mails__decided_by__last_name",
    "inbound_mails__decided_by__username",
)


def ticket_for_desk(user: Any, ticket_id: int) -> Ticket:
    """The ticket, authorized (NotFound when the user may not see it), with the related rows the
    page shows joined in the same query. The policy is asked on every request (ticket_scope);
    the SQL it makes for that scope is compiled once per connection (core.kept_sql)."""
    return _authorized_ticket(user, ticket_id, TICKET_RELATED)


def _authorized_ticket(user: Any, ticket_id: int, related: tuple[str, ...]) -> Ticket:
    scope = ticket_scope(user)
    if not -(2**63) <= ticket_id < 2**63:  # no such bigint: the kept SQL would not take it
        raise NotFound(_("Ticket not found."))
    build = partial(_desk_ticket, scope, related=related)
    found = kept_sql.rows(("desk.ticket", related, scope), build, ticket_id)
    if not found:
        raise NotFound(_("Ticket not found."))
    return found[0]


def ticket_for_page(user: Any, ticket_id: int, names: Labels) -> Ticket:
    """ticket_for_desk for the page itself: only the requester is joined; the ticket's tier,
    team, category, vendor and organization (and the requester's) are the rows `names` keeps
    in memory, attached as select_related would. PostgreSQL spent more time planning the join
    of ten tables than running it (issue #20). A ticket naming a row newer than `names` (made
    since they were read) is read as ticket_for_desk reads it."""
    ticket = _authorized_ticket(user, ticket_id, ("requester",))
    requester = ticket.requester
    if not (
        attach_rows(ticket, names, KEPT_RELATED)
        and attach_rows(requester, names, ("organization",))
    ):
        return ticket_for_desk(user, ticket_id)
    return ticket


# The ticket's few-row relations that desk.labels keeps whole (Labels.rows).
KEPT_RELATED = ("tier", "team", "category", "vendor", "organization")


def attach_rows(obj: Any, names: Labels, fields: tuple[str, ...]) -> bool:
    """Set obj's relations `fields` to the rows `names` keeps, as select_related does; False
    (nothing set) when one of them is not among those rows."""
    ids = [(name, getattr(obj, f"{name}_id")) for name in fields]
    if any(pk is not None and pk not in names.rows[name] for name, pk in ids):
        return False
    opts = obj._meta
    for name, pk in ids:
        opts.get_field(name).set_cached_value(obj, None if pk is None else names.rows[name][pk])
    return True


def _desk_ticket(
    scope: TicketScope, ticket_id: int, related: tuple[str, ...] = TICKET_RELATED
) -> QuerySet[Ticket]:
    # Whether mail to the requester bounces (the page marks the address), in the same query.
    bounces = BouncedAddress.objects.filter(address=Lower(Trim(OuterRef("requester__email"))))
    return (
        tickets_for_scope(scope)
        .select_related(*related)
        .annotate(requester_bounces=Exists(bounces))
        .filter(pk=ticket_id)
    )


def thread(ticket: Ticket) -> list[ThreadMessage]:
    """The messages with their files and the mails they were filed from, in one query (LEFT
    JOINs: a row per message, file and mail), read as plain values."""
    messages: dict[int, ThreadMessage] = {}
    rows = kept_sql.rows("desk.thread", _thread_rows, ticket.pk)
    n = len(MESSAGE_COLUMNS)
    for row in rows:
        message = messages.get(row[0])
        if message is None:
            message = messages[row[0]] = ThreadMessage(*row[:n])
        file_pk, filename, size, mail_pk, result, auth, decision, first, last, username = row[n:]
        if file_pk is not None and not any(f.pk == file_pk for f in message.files):
            message.files.append(File(file_pk, filename, size))
        if mail_pk is not None and message.sender_check is None:
            # The whole mail (the page shows only the new part of a reply) and its sender check.
            message.original_mail_id = mail_pk
            message.sender_check = sender_check(
                mail_id=mail_pk,
                auth_result=result,
                auth=auth or {},
                decision=decision,
                decided_by=f"{first} {last}".strip() or username or "",
            )
    return list(messages.values())


def _thread_rows(ticket_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket_id=ticket_id)
        .order_by("created_at", "id", "inbound_mails__id", "attachments__id")
        .values_list(*MESSAGE_COLUMNS, *FILE_COLUMNS, *MAIL_COLUMNS)
    )


def _events(ticket_id: int) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(ticket_id=ticket_id)  # in the model's order


def _stays(ticket_id: int) -> QuerySet[TierStay]:
    return TierStay.objects.filter(ticket_id=ticket_id)


STAY_RELATED = ("tier", "team", "vendor")


def stays_of(ticket: Ticket, names: Labels | None) -> list[TierStay]:
    """The ticket's tier stays with their tier, team and vendor: from `names` when they keep
    them all (no join to plan), else joined."""
    stays = kept_sql.rows("desk.stays", _stays, ticket.pk)
    if names is not None and all(attach_rows(stay, names, STAY_RELATED) for stay in stays):
        return stays
    return list(_stays(ticket.pk).select_related(*STAY_RELATED))


def ticket_page(ticket: Ticket, names: Labels | None = None) -> TicketPage:
    """The page's reads, each compiled once per connection (core.kept_sql)."""
    messages = thread(ticket)
    events = kept_sql.rows("desk.events", _events, ticket.pk)
    stays = stays_of(ticket, names)
    # A vendor case opens a stay with the vendor, a link writes a LINKED event on both tickets:
    # a ticket that never had either skips their queries.
    cases = (
        list(ticket.vendor_cases.select_related("vendor"))
        if any(stay.vendor_id for stay in stays)
        else []
    )
    links = _links(ticket) if any(e.kind == EventKind.LINKED for e in events) else []
    return TicketPage(
        ticket=ticket,
        messages=messages,
        events=events,
        stays=stays,
        vendor_cases=cases,
        links=links,
    )


def _links(ticket: Ticket) -> list[tuple[str, Ticket]]:
    both_ways = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source", "target"
    )
    return [
        (link.get_kind_display(), link.target if link.source_id == ticket.pk else link.source)
        # Links from this ticket first, then links to it, as they were made.
        for link in sorted(both_ways, key=lambda link: (link.source_id != ticket.pk, link.pk))
    ]


def holders_for(ticket: Ticket, names: Labels) -> list[tuple[int, str]]:
    """`agents_for` from the labels in memory (the assign form shown unbound)."""
    return [
        (h.pk, h.name)
        for h in names.holders
        if ticket.tier_id in h.tier_ids or ticket.team_id in h.team_ids or h.is_supervisor
    ]


def agents_for(ticket: Ticket) -> QuerySet[Agent]:
    """Who may hold the ticket: agents of a team at its tier or of its team, and supervisors."""
    return (
        Agent.objects.filter(
            Q(teams__tier_id=ticket.tier_id) | Q(teams__id=ticket.team_id) | Q(is_supervisor=True)
        )
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__username")
    )


def public_only(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.kind == MessageKind.REPLY]


@dataclass
class RequesterGlance:
    """The requester at a glance (the ticket page's side panel, and their own page): their
    latest tickets and how many there are, their organization's open tickets, their
    satisfaction history, each within what the reader may see, in a fixed number of queries."""

    requester: Requester
    tickets: list[Ticket]
    ticket_count: int
    organization_open: int
    satisfaction: Satisfaction


GLANCE_TICKETS = 6


def requester_glance(
    user: Any, requester_id: int, *, limit: int = GLANCE_TICKETS
) -> RequesterGlance:
    """NotFound when the reader may not look the requester up."""
    requester = (
        requesters_visible_to(user).select_related("organization").filter(pk=requester_id).first()
    )
    if requester is None:
        raise NotFound(_("Requester not found."))
    visible = tickets_visible_to(user)
    theirs = visible.filter(requester_id=requester.pk)
    latest = list(
        theirs.only("subject", "status", "created_at", "tier_id", "requester_id")
        .select_related("tier")
        .order_by("-created_at", "-id")[:limit]
    )
    return RequesterGlance(
        requester=requester,
        tickets=latest,
        ticket_count=theirs.count(),
        organization_open=visible.filter(
            organization_id=requester.organization_id, status__in=OPEN_STATUSES
        ).count(),
        satisfaction=satisfaction_of(theirs),
    )
