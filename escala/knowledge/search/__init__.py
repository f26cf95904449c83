"""One search interface, two implementations (chosen by the database in use).

    search_tickets(user, query, filters)   ranked tickets the user may see, with highlights
    search_articles(user, query, ...)      ranked published articles the user may read

PostgreSQL uses native full-text search (search/postgres.py), SQLite uses FTS5
(search/sqlite.py). Both indexes are kept current by database triggers (migration 0002), so
every way a ticket or message is written, bulk loads included, is searchable at once. A batch
(a hundred mails in one transaction) may ask for its tickets to be indexed together at its
commit instead: `index_at_commit()`.
"""

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from escala.tickets.choices import DONE_STATUSES, OPEN_STATUSES
from escala.tickets.models import Ticket
from escala.tickets.permissions import is_staff_member, ticket_scope, tickets_for_scope

from ..models import Article, ArticleTranslation
from ..permissions import articles_visible_to
from . import text

__all__ = ["ArticleHit", "TicketHit", "index_at_commit", "search_articles", "search_tickets"]


@dataclass(frozen=True)
class TicketHit:
    ticket: Ticket
    rank: float
    subject_html: SafeString
    snippet_html: SafeString
    in_notes: bool = False


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    translation: ArticleTranslation
    rank: float
    title_html: SafeString
    snippet_html: SafeString
    extra: dict[str, Any] = field(default_factory=dict)


# The transaction-local setting the PostgreSQL triggers read (migration 0007).
AT_COMMIT_SETTING = "escala.search_at_commit"


def index_at_commit() -> None:
    """In the current transaction, index the tickets whose messages it writes once, together,
    at its commit (migration 0007): one call for a batch's hundred tickets instead of one each.
    Nothing reads the index inside the batch. SQLite's triggers always index at once. (Mail
    sets it with its other settings in one statement: `mail.batch.tune_transaction`.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {AT_COMMIT_SETTING} TO on")


def backend() -> ModuleType:
    if connection.vendor == "postgresql":
        from . import postgres

        return postgres
    if connection.vendor == "sqlite":
        from . import sqlite

        return sqlite
    raise NotImplementedError(f"No search backend for {connection.vendor}")


def _scope(queryset: QuerySet) -> tuple[str, list] | None:
    """The ids of `queryset` as a SQL subquery, or None when it is every row."""
    ids = queryset.order_by().values("pk")
    if not ids.query.where:
        return None
    sql, params = ids.query.sql_with_params()
    return sql, list(params)


def filter_tickets(tickets: QuerySet[Ticket], filters: dict[str, Any] | None) -> QuerySet[Ticket]:
    """Console and portal filters: status ("open", "done" or one status), tier, team, category
    (ids), requester (id), created_after (datetime), open_or_since (datetime: open tickets and
    any created since then). PostgreSQL's search applies the same filters to its index rows
    (postgres._filter_conditions): a filter added here belongs there too."""
    filters = filters or {}
    status = filters.get("status")
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status == "done":
        tickets = tickets.filter(status__in=DONE_STATUSES)
    elif status:
        tickets = tickets.filter(status=status)
    for name in ("tier", "team", "category", "requester"):
        if filters.get(name):
            tickets = tickets.filter(**{f"{name}_id": filters[name]})
    if filters.get("created_after"):
        tickets = tickets.filter(created_at__gte=filters["created_after"])
    if filters.get("open_or_since"):
        tickets = tickets.filter(
            Q(status__in=OPEN_STATUSES) | Q(created_at__gte=filters["open_or_since"])
        )
    return tickets


def ticket_ids_matching(user: Any, query: str, *, limit: int = 1000) -> list[int] | None:
    """The ids of the tickets `user` may see whose subject or messages hold every word of
    `query`, best first (at most `limit`): the console's queue search box narrows its list to
    them. None when `query` has no searchable word (the box then matches nothing special)."""
    words = text.terms(query)
    if not words:
        return None
    visibility = ticket_scope(user)
    if visibility.is_empty:
        return []
    ranked = backend().ticket_candidates(
        words,
        match="all",
        include_notes=is_staff_member(user),
        scope=_scope(tickets_for_scope(visibility)),
        visibility=visibility,
        filters={},
        exclude=[],
        limit=limit,
    )
    return [pk for pk, _rank in ranked]


def search_tickets(
    user: Any,
    query: str,
    filters: dict[str, Any] | None = None,
    *,
    limit: int = 20,
    match: str = "all",
    exclude: list[int] | tuple[int, ...] = (),
) -> list[TicketHit]:
    """Tickets `user` may see whose subject or messages match `query`, best first.

    Requesters search their visible tickets' subject and public messages only, never internal
    notes. `match="any"` ranks tickets sharing any significant word (similar tickets)."""
    words = text.terms(query, drop_stopwords=match == "any")
    if not words:
        return []
    include_notes = is_staff_member(user)
    visibility = ticket_scope(user)
    if visibility.is_empty:
        return []
    visible = filter_tickets(tickets_for_scope(visibility), filters)
    engine = backend()
    ranked = engine.ticket_candidates(
        words,
        match=match,
        include_notes=include_notes,
        scope=_scope(visible),
        visibility=visibility,
        filters=filters or {},
        exclude=list(exclude),
        limit=limit,
    )
    if not ranked:
        return []
    ids = [pk for pk, _rank in ranked]
    tickets = visible.select_related("tier", "requester", "category").in_bulk(ids)
    marked = engine.ticket_snippets(ids, words, match=match, include_notes=include_notes)
    hits = []
    for pk, rank in ranked:
        ticket = tickets.get(pk)
        if ticket is None:
            continue
        subject, public, notes = marked.get(pk, (ticket.subject, "", ""))
        in_notes = include_notes and not text.has_mark(public) and text.has_mark(notes)
        hits.append(
            TicketHit(
                ticket=ticket,
                rank=rank,
                subject_html=text.to_html(subject if text.has_mark(subject) else ticket.subject),
                snippet_html=text.to_html(notes if in_notes else public),
                in_notes=in_notes,
            )
        )
    return hits


def search_articles(
    user: Any,
    query: str,
    *,
    public_only: bool = False,
    category: int | None = None,
    language: str | None = None,
    limit: int = 10,
    match: str = "all",
    articles: QuerySet[Article] | None = None,
) -> list[ArticleHit]:
    """Published articles `user` may read matching `query`, best first, one hit per article.

    `public_only` restricts to the portal's public articles; `articles` narrows further (the
    management pages pass every state)."""
    words = text.terms(query, drop_stopwords=match == "any")
    if not words:
        return []
    readable = (
        articles if articles is not None else articles_visible_to(user, public_only=public_only)
    )
    if category:
        readable = readable.filter(category_id=category)
    translations = ArticleTranslation.objects.filter(article__in=readable.values("pk"))
    scope = _scope(translations)
    assert scope is not None  # noqa: S101 - always filtered by article
    engine = backend()
    ranked = engine.article_candidates(words, match=match, scope=scope, limit=limit * 2 + 2)
    if not ranked:
        return []
    found = ArticleTranslation.objects.select_related("article", "article__category").in_bulk(
        [pk for pk, _rank in ranked]
    )
    wanted = (language or get_language() or "es")[:2]
    best: dict[int, tuple[int, float]] = {}
    for pk, rank in ranked:
        tr = found.get(pk)
        if tr is None:
            continue
        current = best.get(tr.article_id)
        # One hit per article: the best-ranked version, the reader's language on a near tie.
        if current is None or (tr.language == wanted and rank >= current[1] * 0.8):
            best[tr.article_id] = (pk, max(rank, current[1]) if current else rank)
    chosen = sorted(best.values(), key=lambda item: (-item[1], -item[0]))[:limit]
    ids = [pk for pk, _rank in chosen]
    bodies = {pk: text.plain(found[pk].body) for pk in ids}
    marked = engine.article_snippets(ids, words, match=match, bodies=bodies)
    hits = []
    for pk, rank in chosen:
        tr = found[pk]
        title, body = marked.get(pk, (tr.title, ""))
        hits.append(
            ArticleHit(
                article=tr.article,
                translation=tr,
                rank=rank,
                title_html=text.to_html(title if text.has_mark(title) else tr.title),
                snippet_html=text.to_html(text.plain(body) if body else bodies[pk][:200]),
            )
        )
    return hits
