"""Reads with meaning: the problem queues, and the known errors a new ticket looks like."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from escala.knowledge.queries import ticket_text
from escala.knowledge.search import search_articles, search_tickets
from escala.people.queries import agent_of, team_and_tier_ids
from escala.tickets.models import Ticket

from .choices import OPEN_PROBLEM_STATUSES, MajorIncidentStatus, ProblemStatus
from .models import (
    MajorIncident,
    MajorIncidentTicket,
    MajorIncidentUpdate,
    Problem,
    ProblemTicket,
)
from .permissions import problems_visible_to

QUEUES = ("mine", "open", "known_errors", "done")


def problem_queue(user: Any, name: str) -> QuerySet[Problem]:
    """`mine`: open problems owned by the user's levels or teams (Level 3's own queue);
    `open`: every open problem; `known_errors`: those with a published workaround; `done`:
    resolved and closed."""
    problems = problems_visible_to(user).select_related(
        "owner_tier", "owner_team", "assignee__user"
    )
    problems = problems.annotate(incidents=Count("links"))
    if name == "known_errors":
        return problems.filter(status=ProblemStatus.KNOWN_ERROR)
    if name == "done":
        return problems.exclude(status__in=OPEN_PROBLEM_STATUSES).order_by("-updated_at", "-id")
    problems = problems.filter(status__in=OPEN_PROBLEM_STATUSES)
    if name == "mine" and (agent := agent_of(user)) is not None and not agent.is_supervisor:
        team_ids, tier_ids = team_and_tier_ids(agent)
        problems = problems.filter(
            Q(owner_team_id__in=team_ids)
            | Q(owner_team__isnull=True, owner_tier_id__in=tier_ids)
            | Q(assignee=agent)
        )
    return problems


def problem_of(ticket: Ticket) -> Problem | None:
    link = ProblemTicket.objects.filter(ticket=ticket).select_related("problem").first()
    return link.problem if link is not None else None


@dataclass(frozen=True)
class KnownErrorMatch:
    problem: Problem
    why: str  # "article": the ticket reads like the workaround; "incidents": like its tickets


def known_errors_for(user: Any, ticket: Ticket, *, limit: int = 3) -> list[KnownErrorMatch]:
    """Known errors a ticket looks like: its words match the known error's article (the same
    search the knowledge panel uses), or the tickets already linked to it (triage similarity).
    Empty for a ticket already linked to a problem."""
    if ProblemTicket.objects.filter(ticket=ticket).exists():
        return []
    known = Problem.objects.filter(status=ProblemStatus.KNOWN_ERROR)
    if not known.exists():
        return []
    text = ticket_text(ticket)
    found: dict[int, KnownErrorMatch] = {}
    article_ids = list(known.exclude(article=None).values_list("article_id", flat=True))
    if article_ids:
        from escala.knowledge.models import Article

        hits = search_articles(
            user,
            text,
            match="any",
            limit=limit,
            articles=Article.objects.filter(pk__in=article_ids),
        )
        by_article = {
            p.article_id: p for p in known.filter(article_id__in=[h.article.pk for h in hits])
        }
        for hit in hits:
            problem = by_article.get(hit.article.pk)
            if problem is not None:
                found.setdefault(problem.pk, KnownErrorMatch(problem, "article"))
    similar = search_tickets(user, text, match="any", exclude=[ticket.pk], limit=20)
    if similar:
        links = ProblemTicket.objects.filter(
            ticket_id__in=[h.ticket.pk for h in similar], problem__in=known
        ).select_related("problem")
        for link in links:
            found.setdefault(link.problem_id, KnownErrorMatch(link.problem, "incidents"))
    return list(found.values())[:limit]


def active_major_incidents_for_portal() -> list[MajorIncident]:
    """The banner: active major incidents announced in the portal, with their latest update."""
    incidents = list(
        MajorIncident.objects.filter(
            status=MajorIncidentStatus.ACTIVE, show_in_portal=True
        ).order_by("-declared_at")[:3]
    )
    if incidents:
        latest: dict[int, MajorIncidentUpdate] = {}
        for update in MajorIncidentUpdate.objects.filter(major_incident__in=incidents).order_by(
            "created_at", "id"
        ):
            latest[update.major_incident_id] = update
        for incident in incidents:
            incident.latest_update = latest.get(incident.pk)
    return incidents


def related_to_major_incident(
    user: Any, incident: MajorIncident, *, query: str = "", limit: int = 50
) -> list:
    """Tickets that look like the major incident's (or match `query`), open or new since it was
    declared, and not linked to it yet: the candidates to link in bulk."""
    text = query or f"{incident.title_es} {incident.title_en} {incident.description}"
    filters = {} if query else {"open_or_since": incident.declared_at}
    linked = list(incident.links.values_list("ticket_id", flat=True))
    return search_tickets(
        user, text, filters, match="all" if query else "any", exclude=linked, limit=limit
    )


def major_incidents_for_ticket(user: Any, ticket: Ticket, *, limit: int = 2) -> list[MajorIncident]:
    """Active major incidents a new ticket looks like: its words match their linked tickets."""
    active = MajorIncident.objects.filter(status=MajorIncidentStatus.ACTIVE)
    if not active.exists() or MajorIncidentTicket.objects.filter(ticket=ticket).exists():
        return []
    similar = search_tickets(user, ticket_text(ticket), match="any", exclude=[ticket.pk], limit=20)
    ids = [h.ticket.pk for h in similar]
    found = (
        active.filter(links__ticket_id__in=ids).distinct().order_by("-declared_at")[:limit]
        if ids
        else []
    )
    return list(found)
