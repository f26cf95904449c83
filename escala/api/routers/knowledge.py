"""Knowledge articles and search: reads only, through escala/knowledge's own policy.

Who reads which article is `escala.knowledge.permissions`, exactly as the two web UIs apply it:
a requester reads what the portal shows (published, public: `articles_visible_to(public_only)`),
an agent what the desk's knowledge pages show (`articles_managed_by`: every article in any
state, filtered by `state` if asked). Search is `escala.knowledge.search`, the one interface
the console and the portal use, which applies ticket and article visibility itself.
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from escala.core.errors import NotFound, ValidationFailed
from escala.knowledge.choices import ArticleState, Language, Visibility
from escala.knowledge.markdown import render as render_markdown
from escala.knowledge.models import Article, ArticleTranslation
from escala.knowledge.permissions import (
    access_article,
    articles_managed_by,
    articles_visible_to,
    is_staff_member,
)
from escala.knowledge.search import ArticleHit, TicketHit, search_articles, search_tickets
from escala.tickets.choices import Status
from escala.tiers.models import SupportTier

from .. import auth, present
from ..schemas.common import COMMON_ERRORS, MAX_ID, CategoryRef, InputSchema, Moment, TierRef

router = Router(tags=["knowledge"])
PathId = Path(..., ge=1, le=MAX_ID)


# --- schemas ------------------------------------------------------------------------------------


class TranslationOut(Schema):
    language: str
    title: str
    body: str = Field(description="Markdown, as written.")
    html: str = Field(description="The body rendered to safe HTML (no scripts, no raw HTML).")
    updated_at: datetime


class ArticleOut(Schema):
    id: int
    reference: str
    state: str
    visibility: str
    category: CategoryRef | None
    tiers: list[TierRef] = Field(description="Who may read a restricted article (agents only).")
    source_ticket_id: int | None = Field(description="The ticket it was written from (agents).")
    title: str = Field(description="In the requested language, else the other one.")
    language: str
    translations: list[TranslationOut]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    version: int


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleFilters(InputSchema):
    state: ArticleState | None = Field(
        default=None, description="Agents: any state. Requesters only ever get published ones."
    )
    visibility: Visibility | None = None
    category: int | None = Field(default=None, ge=1, le=MAX_ID)
    updated_after: Moment | None = None
    language: Language | None = Field(default=None, description="Which title to show first.")
    cursor: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=50, ge=1, le=200)


class ReadIn(InputSchema):
    language: Language | None = None


class TicketHitOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str
    tier: TierRef
    category: CategoryRef | None
    created_at: datetime
    rank: float
    subject_html: str = Field(description="The subject, matches in <mark>.")
    snippet_html: str = Field(description="Where the words matched, in <mark>.")
    in_notes: bool = Field(description="Matched only in internal notes (agents).")


class ArticleHitOut(Schema):
    id: int
    reference: str
    visibility: str
    category: CategoryRef | None
    language: str
    title: str
    rank: float
    title_html: str
    snippet_html: str


class SearchOut(Schema):
    tickets: list[TicketHitOut]
    articles: list[ArticleHitOut]


class SearchIn(InputSchema):
    q: str = Field(min_length=1, max_length=300, description="The words to find.")
    kind: Literal["all", "tickets", "articles"] = "all"
    status: Literal["open", "done"] | Status | None = Field(
        default=None, description="Tickets: open, done, or one status."
    )
    tier: int | None = Field(default=None, ge=0, le=32767, description="Tickets: tier level.")
    team: int | None = Field(default=None, ge=1, le=MAX_ID, description="Tickets: team id.")
    category: int | None = Field(default=None, ge=1, le=MAX_ID)
    requester: int | None = Field(default=None, ge=1, le=MAX_ID, description="Tickets.")
    language: Language | None = Field(default=None, description="Articles: preferred language.")
    limit: int = Field(default=20, ge=1, le=50)


# --- articles -----------------------------------------------------------------------------------


def _articles(user: Any) -> QuerySet[Article]:
    """The portal's articles for a requester, the desk's for an agent."""
    if is_staff_member(user):
        return articles_managed_by(user)
    return articles_visible_to(user, public_only=True)


def _with_details(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.select_related("category").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language")),
        "tiers",
    )


def _language(wanted: str | None) -> str:
    return (wanted or get_language() or "es")[:2]


def _article(a: Article, *, staff: bool, language: str) -> dict[str, Any]:
    shown = a.translation(language)
    return {
        "id": a.pk,
        "reference": a.reference,
        "state": a.state,
        "visibility": a.visibility,
        "category": present.category(a.category),
        "tiers": [present.tier(t) for t in a.tiers.all()] if staff else [],
        "source_ticket_id": a.source_ticket_id if staff else None,
        "title": shown.title if shown else "",
        "language": shown.language if shown else language,
        "translations": [
            {
                "language": t.language,
                "title": t.title,
                "body": t.body,
                "html": str(render_markdown(t.body)),
                "updated_at": t.updated_at,
            }
            for t in a.translations.all()
        ],
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "published_at": a.published_at,
        "version": a.version,
    }


def _decode_cursor(cursor: str) -> int:
    try:
        number = int(cursor)
    except ValueError:
        number = 0
    if not 0 < number <= MAX_ID:
        raise ValidationFailed(_("This cursor is not valid."), field="cursor")
    return number


@router.get("/articles", response={200: ArticlePage, **COMMON_ERRORS}, auth=auth.read)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    """Knowledge articles the caller may read, newest first; follow `next_cursor`.

    Requesters get the portal's (published, public); agents the desk's, in any state."""
    user = request.auth
    f = filters
    articles = _articles(user)
    if f.state:
        articles = articles.filter(state=f.state)
    if f.visibility:
        articles = articles.filter(visibility=f.visibility)
    if f.category is not None:
        articles = articles.filter(category_id=f.category)
    if f.updated_after is not None:
        articles = articles.filter(updated_at__gte=f.updated_after)
    if f.cursor:
        articles = articles.filter(pk__lt=_decode_cursor(f.cursor))
    page = list(_with_details(articles).order_by("-id")[: f.limit + 1])
    more = len(page) > f.limit
    page = page[: f.limit]
    staff, language = is_staff_member(user), _language(f.language)
    return {
        "items": [_article(a, staff=staff, language=language) for a in page],
        "next_cursor": str(page[-1].pk) if more and page else None,
    }


@router.get("/articles/{article_id}", response={200: ArticleOut, **COMMON_ERRORS}, auth=auth.read)
def read_article(request: HttpRequest, params: Query[ReadIn], article_id: int = PathId):
    """One article, in both languages. An article the caller may not read answers 404."""
    user = request.auth
    staff = is_staff_member(user)
    found = access_article(user, article_id, manage=staff)
    if not staff and found.visibility != Visibility.PUBLIC:  # as the portal: public only
        raise NotFound(_("Article not found."))
    article = _with_details(Article.objects.filter(pk=found.pk)).get()
    return _article(article, staff=staff, language=_language(params.language))


# --- search -------------------------------------------------------------------------------------


def _ticket_hit(hit: TicketHit) -> dict[str, Any]:
    t = hit.ticket
    return {
        "id": t.pk,
        "reference": t.reference,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "tier": present.tier(t.tier),
        "category": present.category(t.category),
        "created_at": t.created_at,
        "rank": hit.rank,
        "subject_html": str(hit.subject_html),
        "snippet_html": str(hit.snippet_html),
        "in_notes": hit.in_notes,
    }


def _article_hit(hit: ArticleHit) -> dict[str, Any]:
    a = hit.article
    return {
        "id": a.pk,
        "reference": a.reference,
        "visibility": a.visibility,
        "category": present.category(a.category),
        "language": hit.translation.language,
        "title": hit.translation.title,
        "rank": hit.rank,
        "title_html": str(hit.title_html),
        "snippet_html": str(hit.snippet_html),
    }


def _tier_id(level: int | None) -> int | None:
    """The API names tiers by level everywhere; the search filters take the tier's id."""
    if level is None:
        return None
    found = SupportTier.objects.filter(level=level).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(_("There is no tier at that level."), field="tier")
    return found


@router.get("/search", response={200: SearchOut, **COMMON_ERRORS}, auth=auth.read)
def search(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    """Full-text search over the tickets the caller may see (requesters: never internal notes)
    and the published articles they may read, best first."""
    user = request.auth
    p = params
    tickets: list[TicketHit] = []
    articles: list[ArticleHit] = []
    if p.kind in ("all", "tickets"):
        filters = {
            "status": p.status,
            "tier": _tier_id(p.tier),
            "team": p.team,
            "category": p.category,
            "requester": p.requester,
        }
        tickets = search_tickets(user, p.q, filters, limit=p.limit)
    if p.kind in ("all", "articles"):
        articles = search_articles(
            user,
            p.q,
            public_only=not is_staff_member(user),
            category=p.category,
            language=p.language,
            limit=p.limit,
        )
    return {
        "tickets": [_ticket_hit(h) for h in tickets],
        "articles": [_article_hit(h) for h in articles],
    }
