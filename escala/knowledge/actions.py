"""The only way the knowledge base changes. Keyword-only arguments, `by=` the user; each action
checks the policy, writes its change in one transaction and raises a DomainError (changing
nothing) when it refuses."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import InvalidTransition, StaleObject, ValidationFailed
from escala.people.queries import requester_of
from escala.tickets.choices import DONE_STATUSES, EventKind, MessageKind
from escala.tickets.models import Message, Ticket, TicketEvent
from escala.tickets.permissions import access_ticket, ensure_can_work
from escala.tiers.models import Category, SupportTier

from .choices import ALLOWED_TRANSITIONS, ArticleState, Language, UseKind, Visibility
from .markdown import plain_text
from .models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStateChange,
    ArticleTranslation,
    ArticleUse,
    Deflection,
)
from .permissions import articles_visible_to, ensure_can_review, ensure_can_write

MAX_TITLE = 200
MAX_BODY = 100_000


def _lock(article: Article | int, expected_version: int | None = None) -> Article:
    pk = article.pk if isinstance(article, Article) else article
    try:
        locked = Article.objects.select_for_update().get(pk=pk)
    except Article.DoesNotExist:
        raise ValidationFailed(_("Article not found."), field="article") from None
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject(
            _(
                "This article was changed by someone else while you were editing it. "
                "Reload it to see the change, then try again."
            )
        )
    return locked


def _touch(article: Article) -> None:
    article.updated_at = clock.now()
    article.version += 1
    article.save()


def _clean_text(language: str, title: str | None, body: str | None) -> tuple[str, str]:
    if language not in Language.values:
        raise ValidationFailed(_("Unknown language."), field="language")
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise ValidationFailed(_("A title is required."), field=f"title_{language}")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(
            _("The title is too long (at most %(n)d characters).") % {"n": MAX_TITLE},
            field=f"title_{language}",
        )
    if not body:
        raise ValidationFailed(_("The article has no text."), field=f"body_{language}")
    if len(body) > MAX_BODY:
        raise ValidationFailed(_("The article is too long."), field=f"body_{language}")
    return title, body


def _check_settings(visibility: str, tiers: Iterable[SupportTier]) -> list[SupportTier]:
    if visibility not in Visibility.values:
        raise ValidationFailed(_("Unknown visibility."), field="visibility")
    tier_list = list(tiers)
    if visibility == Visibility.TIERS and not tier_list:
        raise ValidationFailed(
            _("Choose the levels that may read a restricted article."), field="tiers"
        )
    return tier_list


def _write_text(
    article: Article, language: str, title: str, body: str, *, by: Any, note: str
) -> ArticleTranslation:
    now = clock.now()
    translation, _created = ArticleTranslation.objects.update_or_create(
        article=article,
        language=language,
        defaults={"title": title, "body": body, "updated_at": now},
    )
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ArticleRevision.objects.create(
        article=article,
        language=language,
        number=last + 1,
        title=title,
        body=body,
        note=note[:250],
        created_at=now,
        created_by=by,
    )
    return translation


def create_article(
    *,
    by: Any,
    texts: dict[str, tuple[str, str]],
    category: Category | None = None,
    visibility: str = Visibility.INTERNAL,
    tiers: Iterable[SupportTier] = (),
    source_ticket: Ticket | None = None,
    note: str = "",
) -> Article:
    """A new draft. `texts` maps a language ("es", "en") to (title, Markdown body)."""
    ensure_can_write(by)
    cleaned = {
        lang: _clean_text(lang, title, body)
        for lang, (title, body) in texts.items()
        if title or body
    }
    if not cleaned:
        raise ValidationFailed(_("Write the article in Spanish or English."), field="title_es")
    tier_list = _check_settings(visibility, tiers)
    now = clock.now()
    with transaction.atomic():
        article = Article.objects.create(
            category=category,
            visibility=visibility,
            source_ticket=source_ticket,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        article.tiers.set(tier_list)
        ArticleStateChange.objects.create(
            article=article, new_state=ArticleState.DRAFT, by=by, created_at=now
        )
        for lang, (title, body) in cleaned.items():
            _write_text(article, lang, title, body, by=by, note=note or _("First version"))
    return article


def edit_article(
    *,
    article: Article | int,
    by: Any,
    language: str,
    title: str,
    body: str,
    note: str = "",
    expected_version: int | None = None,
) -> ArticleTranslation:
    """Save the text in one language; the previous text stays as a revision."""
    ensure_can_write(by)
    title, body = _clean_text(language, title, body)
    with transaction.atomic():
        locked = _lock(article, expected_version)
        if locked.state == ArticleState.ARCHIVED:
            raise InvalidTransition(_("An archived article cannot be edited; restore it first."))
        current = locked.translations.filter(language=language).first()
        if current is not None and (current.title, current.body) == (title, body):
            return current
        translation = _write_text(locked, language, title, body, by=by, note=note)
        _touch(locked)
    return translation


def update_article_settings(
    *,
    article: Article | int,
    by: Any,
    category: Category | None,
    visibility: str,
    tiers: Iterable[SupportTier] = (),
    expected_version: int | None = None,
) -> Article:
    ensure_can_write(by)
    tier_list = _check_settings(visibility, tiers)
    with transaction.atomic():
        locked = _lock(article, expected_version)
        locked.category = category
        locked.visibility = visibility
        locked.tiers.set(tier_list if visibility == Visibility.TIERS else [])
        _touch(locked)
    return locked


def change_article_state(
    *,
    article: Article | int,
    by: Any,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Article:
    """Move an article through draft → in review → published → archived (ALLOWED_TRANSITIONS).
    Publishing needs a reviewer and both the Spanish and the English version."""
    if to not in ArticleState.values:
        raise ValidationFailed(_("Unknown state."), field="state")
    ensure_can_write(by)
    if to == ArticleState.PUBLISHED:
        ensure_can_review(by)
    with transaction.atomic():
        locked = _lock(article, expected_version)
        if locked.state == to:
            return locked
        if to not in ALLOWED_TRANSITIONS[locked.state]:
            raise InvalidTransition(
                _("An article that is “%(from)s” cannot become “%(to)s”.")
                % {"from": locked.get_state_display(), "to": ArticleState(to).label},
                field="state",
            )
        if to == ArticleState.PUBLISHED:
            languages = set(locked.translations.values_list("language", flat=True))
            missing = [
                str(Language(lang).label) for lang in Language.values if lang not in languages
            ]
            if missing:
                raise ValidationFailed(
                    _("Write the %(languages)s version before publishing.")
                    % {"languages": ", ".join(missing)},
                    field="state",
                )
            locked.published_at = clock.now()
            locked.reviewed_by = by
        ArticleStateChange.objects.create(
            article=locked,
            old_state=locked.state,
            new_state=to,
            by=by,
            reason=reason.strip(),
            created_at=clock.now(),
        )
        locked.state = to
        _touch(locked)
    return locked


def submit_for_review(*, article: Article | int, by: Any) -> Article:
    return change_article_state(article=article, by=by, to=ArticleState.IN_REVIEW)


def publish_article(*, article: Article | int, by: Any) -> Article:
    return change_article_state(article=article, by=by, to=ArticleState.PUBLISHED)


def archive_article(*, article: Article | int, by: Any, reason: str = "") -> Article:
    return change_article_state(article=article, by=by, to=ArticleState.ARCHIVED, reason=reason)


def _readable(article: Article | int, by: Any, *, public_only: bool = False) -> Article:
    pk = article.pk if isinstance(article, Article) else article
    found = articles_visible_to(by, public_only=public_only).filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("Article not found."), field="article")
    return found


def record_feedback(
    *, article: Article | int, by: Any, helpful: bool, language: str = "es"
) -> ArticleFeedback:
    """One "did this help?" answer. A signed-in reader's later answer replaces their earlier one."""
    found = _readable(article, by)
    language = language if language in Language.values else Language.ES
    user = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        if user is not None:
            ArticleFeedback.objects.filter(article=found, user=user).delete()
        return ArticleFeedback.objects.create(
            article=found, helpful=helpful, user=user, language=language, created_at=clock.now()
        )


def record_deflection(
    *, article: Article | int, by: Any, query: str = "", language: str = "es"
) -> Deflection:
    """The requester read `article` while writing a request and said it solved their problem:
    a request that never had to be filed."""
    found = _readable(article, by, public_only=True)
    language = language if language in Language.values else Language.ES
    user = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        deflection = Deflection.objects.create(
            article=found,
            user=user,
            requester=requester_of(user) if user is not None else None,
            query=(query or "").strip()[:2000],
            language=language,
            created_at=clock.now(),
        )
        ArticleFeedback.objects.create(
            article=found, helpful=True, user=None, language=language, created_at=clock.now()
        )
    return deflection


def resolution_tier(ticket: Ticket) -> SupportTier | None:
    """The level at which `ticket` was last resolved, read from its history."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RESOLVED)
        .order_by("-created_at", "-id")
        .first()
    )
    tier_id = (event.data or {}).get("tier_id") if event is not None else None
    if tier_id is None:
        return ticket.tier if ticket.status in DONE_STATUSES else None
    return SupportTier.objects.filter(pk=tier_id).first()


def draft_article_from_ticket(
    *, ticket: Ticket | int, by: Any, visibility: str = Visibility.INTERNAL
) -> Article:
    """Shift-left: what Level 2, 3 or a vendor found becomes a draft article linked to the
    ticket, for a reviewer to complete and publish."""
    ensure_can_write(by)
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = access_ticket(by, pk) if by is not None else Ticket.objects.get(pk=pk)
    ensure_can_work(by, found)
    if found.status not in DONE_STATUSES or not found.resolution_summary.strip():
        raise InvalidTransition(_("Only a resolved ticket can become an article."), field="ticket")
    tier = resolution_tier(found)
    if tier is None or tier.level < 2:
        raise InvalidTransition(
            _(
                "Tickets solved at Level 1 are already known how to solve; only resolutions at "
                "Level 2, 3 or 4 become articles."
            ),
            field="ticket",
        )
    if Article.objects.filter(source_ticket=found).exclude(state=ArticleState.ARCHIVED).exists():
        raise ValidationFailed(
            _("An article was already written from this ticket."), field="ticket"
        )
    first = found.messages.filter(kind=MessageKind.REPLY).order_by("created_at", "id").first()
    language = found.requester.language if found.requester.language in Language.values else "es"
    problem = first.body.strip() if first is not None else ""
    if language == "en":
        body = f"## Problem\n\n{problem}\n\n## Solution\n\n{found.resolution_summary.strip()}\n"
    else:
        body = f"## Problema\n\n{problem}\n\n## Solución\n\n{found.resolution_summary.strip()}\n"
    with transaction.atomic():
        article = create_article(
            by=by,
            texts={language: (found.subject, body)},
            category=found.category,
            visibility=visibility,
            source_ticket=found,
            note=_("Written from %(ref)s") % {"ref": found.reference},
        )
        ArticleUse.objects.create(
            article=article,
            ticket=found,
            kind=UseKind.SOURCE,
            tier=tier,
            by=by,
            created_at=clock.now(),
        )
    return article


def use_article_on_ticket(*, article: Article | int, ticket: Ticket | int, by: Any) -> str:
    """An agent inserts `article` into a reply on `ticket`: the link is recorded at the ticket's
    current level, and the article's text (in the requester's language) is returned."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found_ticket = access_ticket(by, pk) if by is not None else Ticket.objects.get(pk=pk)
    ensure_can_work(by, found_ticket)
    found = _readable(article, by)
    with transaction.atomic():
        ArticleUse.objects.get_or_create(
            article=found,
            ticket=found_ticket,
            kind=UseKind.INSERTED,
            defaults={"tier_id": found_ticket.tier_id, "by": by, "created_at": clock.now()},
        )
    translation = found.translation(found_ticket.requester.language)
    if translation is None:
        return ""
    return f"{translation.title}\n\n{plain_text(translation.body)}"


def send_article_to_requester(
    *, article: Article | int, ticket: Ticket | int, by: Any, expected_version: int | None = None
) -> Message:
    """An agent sends a public article to the requester as a reply (in the requester's
    language). Internal and tier-restricted articles never leave the desk."""
    from escala.tickets.actions import add_reply

    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found_ticket = access_ticket(by, pk) if by is not None else Ticket.objects.get(pk=pk)
    ensure_can_work(by, found_ticket)
    found = _readable(article, by)
    if found.visibility != Visibility.PUBLIC:
        raise ValidationFailed(
            _("Only a public article can be sent to the requester; insert it and reword it."),
            field="article",
        )
    translation = found.translation(found_ticket.requester.language)
    if translation is None:
        raise ValidationFailed(_("The article has no text yet."), field="article")
    body = f"{translation.title}\n\n{plain_text(translation.body)}"
    with transaction.atomic():
        message = add_reply(
            ticket=found_ticket, by=by, body=body, expected_version=expected_version
        )
        ArticleUse.objects.get_or_create(
            article=found,
            ticket=found_ticket,
            kind=UseKind.SENT,
            defaults={"tier_id": found_ticket.tier_id, "by": by, "created_at": clock.now()},
        )
    return message
