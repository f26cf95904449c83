"""The console's reads: which tickets a queue holds, and everything the ticket page shows, each
in a fixed number of queries whatever the page size or the length of the thread."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from escala.core.inputs import parse_id
from escala.core.paging import Order
from escala.knowledge import search
from escala.mail.queries import sender_checks
from escala.people.models import Agent
from escala.people.queries import agent_of, is_admin, team_and_tier_ids
from escala.tickets.choices import OPEN_STATUSES, Channel, MessageKind
from escala.tickets.models import (
    Attachment,
    Message,
    Ticket,
    TicketLink,
    TierStay,
    VendorCase,
)
from escala.tickets.permissions import access_ticket, tickets_visible_to
from escala.tiers.choices import PRIORITY_RANK

from .labels import Labels

QUEUES = ("mine", "unassigned", "teams", "all")

SORTS: dict[str, Order] = {
    "newest": [("created_at", True), ("id", True)],
    "oldest": [("created_at", False), ("id", False)],
    "updated": [("updated_at", True), ("id", True)],
    "priority": [("priority_rank", False), ("created_at", True), ("id", True)],
}

# A queue row names its tier, team, category, organization and assignee from desk.labels (in
# memory); only the requester, from a big table, is read for the page, in one small query.
QUEUE_PREFETCHED = ("requester",)
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
)


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
    `user` may read them: agents' notes too)."""
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
    number = text.upper().removeprefix("ESC-").removeprefix("#").lstrip("0")
    by_number = Q(pk=pk) if (pk := parse_id(number)) is not None else Q(pk__in=[])
    ids = search.ticket_ids_matching(user, text, limit=SEARCH_LIMIT)
    if ids is None:  # no searchable word (punctuation, one letter): the subject as typed
        return by_number | Q(subject__icontains=text)
    return by_number | Q(pk__in=ids)


@dataclass
class TicketPage:
    """Everything the ticket page shows, read in a fixed number of queries."""

    ticket: Ticket
    messages: list[Message]
    events: list[Any]
    stays: list[TierStay]
    vendor_cases: list[VendorCase]
    links: list[tuple[str, Ticket]]
    other_open: list[Ticket]
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


def ticket_for_desk(user: Any, ticket_id: int) -> Ticket:
    """The ticket, authorized (NotFound when the user may not see it), with the related rows the
    page shows joined in the same query."""
    return access_ticket(user, ticket_id, related=TICKET_RELATED)


def ticket_page(ticket: Ticket) -> TicketPage:
    messages = list(
        ticket.messages.select_related("author_vendor").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    )
    _link_original_mails(messages)
    # How the sender of each message filed from a mail was verified (escala.mail), shown with it.
    checks = sender_checks([m.pk for m in messages if m.channel == Channel.EMAIL])
    for message in messages:
        message.sender_check = checks.get(message.pk)
    stays = list(ticket.tier_stays.select_related("tier", "team", "vendor"))
    cases = list(ticket.vendor_cases.select_related("vendor"))
    both_ways = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source", "target"
    )
    links = [
        (link.get_kind_display(), link.target if link.source_id == ticket.pk else link.source)
        # Links from this ticket first, then links to it, as they were made.
        for link in sorted(both_ways, key=lambda link: (link.source_id != ticket.pk, link.pk))
    ]
    other_open = list(
        Ticket.objects.filter(requester_id=ticket.requester_id, status__in=OPEN_STATUSES)
        .exclude(pk=ticket.pk)
        .select_related("tier")
        .order_by("-created_at")[:5]
    )
    return TicketPage(
        ticket=ticket,
        messages=messages,
        events=list(ticket.events.all()),
        stays=stays,
        vendor_cases=cases,
        links=links,
        other_open=other_open,
    )


def _link_original_mails(messages: list[Message]) -> None:
    """Each message filed from a mail gets `original_mail_id`: the stored mail, whole (the page
    shows only the new part of a reply). One query, and only when mail is on the page."""
    from escala.mail.models import InboundMail

    by_mail = [m.pk for m in messages if m.channel == Channel.EMAIL]
    originals = (
        dict(
            InboundMail.objects.filter(filed_message_id__in=by_mail).values_list(
                "filed_message_id", "pk"
            )
        )
        if by_mail
        else {}
    )
    for message in messages:
        message.original_mail_id = originals.get(message.pk)


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
