"""Search from anywhere: what the console's top-bar box finds for one query.

Tickets come from the one search interface (`knowledge.search.search_tickets`: subject and
messages, agents' notes too) and by number ("321", "#321", "ESC-000321": tickets.references);
requesters and organizations by name, email or phone, with the latest tickets of the requesters
found (typing a person's name finds their tickets, not only their card); articles from
`knowledge.search.search_articles`.
Every group is read within what the person may see (tickets.permissions,
knowledge.permissions, people.access), each in a fixed number of queries whatever it finds.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from escala.knowledge.search import ArticleHit, TicketHit, search_articles, search_tickets
from escala.people.access import organizations_visible_to, requesters_visible_to
from escala.people.models import Organization, Requester
from escala.tickets.models import Ticket
from escala.tickets.permissions import tickets_visible_to
from escala.tickets.references import parse_reference

MAX_QUERY = 200  # characters kept of what was typed: more says nothing a search can use
MIN_NAME = 2  # characters before names and emails are matched (one letter matches everyone)


@dataclass(frozen=True)
class Limits:
    tickets: int
    people: int
    articles: int


DROPDOWN = Limits(tickets=5, people=3, articles=3)
PAGE = Limits(tickets=25, people=10, articles=10)


@dataclass
class Found:
    query: str
    number: Ticket | None = None  # the ticket the query names by its number, when visible
    tickets: list[TicketHit] = field(default_factory=list)
    requesters: list[Requester] = field(default_factory=list)
    their_tickets: list[Ticket] = field(default_factory=list)  # the requesters found: latest
    organizations: list[Organization] = field(default_factory=list)
    articles: list[ArticleHit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.number
            or self.tickets
            or self.requesters
            or self.their_tickets
            or self.organizations
            or self.articles
        )


def clean_query(raw: str | None) -> str:
    """What was typed, trimmed, cut to MAX_QUERY and without control characters (NUL)."""
    text = "".join(c if c.isprintable() else " " for c in (raw or "")[: MAX_QUERY * 2])
    return " ".join(text.split())[:MAX_QUERY]


def find(user: Any, raw: str | None, *, limits: Limits = DROPDOWN) -> Found:
    text = clean_query(raw)
    found = Found(query=text)
    if not text:
        return found
    if (pk := parse_reference(text)) is not None:
        found.number = tickets_visible_to(user).select_related("tier").filter(pk=pk).first()
    hits = search_tickets(user, text, limit=limits.tickets + 1)
    found.tickets = [h for h in hits if found.number is None or h.ticket.pk != found.number.pk][
        : limits.tickets
    ]
    if len(text) >= MIN_NAME:
        found.requesters = list(_requesters(user, text)[: limits.people])
        listed = [h.ticket.pk for h in found.tickets] + ([found.number.pk] if found.number else [])
        found.their_tickets = _their_tickets(
            user, found.requesters, listed=listed, limit=limits.tickets
        )
        found.organizations = list(_organizations(user, text)[: limits.people])
    found.articles = search_articles(user, text, limit=limits.articles)
    return found


def _requesters(user: Any, text: str) -> QuerySet[Requester]:
    return (
        requesters_visible_to(user)
        .filter(Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__icontains=text))
        .select_related("organization")
        .order_by("name", "pk")
    )


def _their_tickets(
    user: Any, requesters: list[Requester], *, listed: list[int], limit: int
) -> list[Ticket]:
    """The latest tickets of `requesters` that `user` may see and the other groups do not list
    already: one query (index ticket_requester), none when no requester was found."""
    if not requesters:
        return []
    return list(
        tickets_visible_to(user)
        .filter(requester_id__in=[r.pk for r in requesters])
        .exclude(pk__in=listed)
        .select_related("requester")
        .only("subject", "status", "created_at", "requester__name")
        .order_by("-created_at", "-id")[:limit]
    )


def _organizations(user: Any, text: str) -> QuerySet[Organization]:
    return (
        organizations_visible_to(user)
        .filter(Q(name__icontains=text) | Q(email_domain__icontains=text))
        .order_by("name", "pk")
    )
