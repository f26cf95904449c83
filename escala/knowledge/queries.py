"""Reads with meaning: suggestions, similar tickets, what each article achieved."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from escala.core import clock
from escala.tickets.choices import DONE_STATUSES, MessageKind
from escala.tickets.models import Ticket

from .choices import ArticleState, UseKind
from .models import Article, ArticleUse, Deflection
from .search import ArticleHit, TicketHit, search_articles, search_tickets

SIMILAR_WINDOW = timedelta(days=30)


def ticket_text(ticket: Ticket) -> str:
    """What a ticket is about: its subject and the requester's first message."""
    first = (
        ticket.messages.filter(kind=MessageKind.REPLY)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return f"{ticket.subject}\n{first or ''}"


def suggested_articles(user: Any, ticket: Ticket, *, limit: int = 5) -> list[ArticleHit]:
    """The published articles most likely to solve `ticket`, that `user` may read."""
    return search_articles(
        user,
        ticket_text(ticket),
        match="any",
        language=ticket.requester.language,
        limit=limit,
    )


def deflection_candidates(
    user: Any, text: str, *, language: str | None = None, limit: int = 5
) -> list[ArticleHit]:
    """Public articles matching what a requester is typing (shown in `language`)."""
    return search_articles(
        user, text, public_only=True, match="any", language=language, limit=limit
    )


def similar_tickets(user: Any, ticket: Ticket, *, limit: int = 5) -> list[TicketHit]:
    """Open and recent tickets most like `ticket` (an outage, a duplicate)."""
    since = clock.now() - SIMILAR_WINDOW
    return search_tickets(
        user,
        ticket_text(ticket),
        {"open_or_since": since},
        match="any",
        exclude=[ticket.pk],
        limit=limit,
    )


@dataclass(frozen=True)
class Impact:
    helpful: int
    not_helpful: int
    deflections: int
    resolved_by_level: dict[int, int]  # level -> tickets it helped resolve
    source_ticket_id: int | None
    source_level: int | None

    @property
    def resolved_total(self) -> int:
        return sum(self.resolved_by_level.values())


def article_impact(article: Article) -> Impact:
    feedback = article.feedback.aggregate(
        yes=Count("pk", filter=Q(helpful=True)),
        no=Count("pk", filter=Q(helpful=False)),
    )
    by_level = dict(
        ArticleUse.objects.filter(
            article=article,
            kind__in=(UseKind.INSERTED, UseKind.SENT),
            ticket__status__in=DONE_STATUSES,
        )
        .values_list("tier__level")
        .annotate(n=Count("ticket", distinct=True))
        .order_by("tier__level")
    )
    source = (
        ArticleUse.objects.filter(article=article, kind=UseKind.SOURCE)
        .values_list("ticket_id", "tier__level")
        .first()
    )
    return Impact(
        helpful=feedback["yes"],
        not_helpful=feedback["no"],
        deflections=Deflection.objects.filter(article=article).count(),
        resolved_by_level=by_level,
        source_ticket_id=source[0] if source else article.source_ticket_id,
        source_level=source[1] if source else None,
    )


def with_feedback_counts(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.annotate(
        helpful_count=Count("feedback", filter=Q(feedback__helpful=True), distinct=True),
        not_helpful_count=Count("feedback", filter=Q(feedback__helpful=False), distinct=True),
    )


def has_source_article(ticket: Ticket) -> bool:
    """Whether an article (not archived) was already written from `ticket`."""
    return (
        Article.objects.filter(source_ticket=ticket).exclude(state=ArticleState.ARCHIVED).exists()
    )
