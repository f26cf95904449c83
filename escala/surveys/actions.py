"""Satisfaction surveys: one per resolution, answered (and changed for a few days) through a
signed link that works without signing in, for that one ticket only."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from escala.core import clock, rows
from escala.core.errors import InvalidTransition, NotFound, ValidationFailed
from escala.people.models import Agent
from escala.tickets.choices import EventKind
from escala.tickets.models import TicketEvent, TierStay

from .models import Survey

SALT = "escala.surveys.link"
MAX_COMMENT = 2000


def on_ticket_event(sender: Any, event: TicketEvent, **kwargs: Any) -> None:
    if event.kind == EventKind.RESOLVED:
        create_survey(resolution=event)


def create_survey(*, resolution: TicketEvent) -> Survey:
    """The survey for one resolution (idempotent: a second call returns the same survey)."""
    existing = Survey.objects.filter(resolution=resolution).first()
    if existing is not None:
        return existing
    rows.flush()  # a stay opened earlier in this batch
    stays = list(
        TierStay.objects.filter(
            ticket_id=resolution.ticket_id, entered_at__lte=resolution.created_at
        )
        .select_related("tier")
        .order_by("entered_at", "id")
    )
    data = resolution.data or {}
    last = stays[-1] if stays else None
    tier_id = data.get("tier_id") or (last.tier_id if last else resolution.ticket.tier_id)
    team_id = data.get("team_id") if "team_id" in data else (last.team_id if last else None)
    agent = (
        Agent.objects.filter(user_id=resolution.actor_id).first() if resolution.actor_id else None
    )
    if agent is None and data.get("agent_id"):
        agent = Agent.objects.filter(pk=data["agent_id"]).first()
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                ticket_id=resolution.ticket_id,
                resolution=resolution,
                resolved_at=resolution.created_at,
                agent=agent,
                team_id=team_id,
                tier_id=tier_id,
                nonce=secrets.token_hex(16),
            )
            survey.tiers_visited.set({s.tier_id for s in stays} | {tier_id})
    except IntegrityError:  # created meanwhile by another process
        return Survey.objects.get(resolution=resolution)
    return survey


def token_for(survey: Survey) -> str:
    return signing.dumps([survey.pk, survey.ticket_id, survey.nonce], salt=SALT, compress=False)


def survey_for_token(token: str) -> Survey:
    """The survey a link points to; any altered, foreign or revoked token is simply not found."""
    try:
        survey_id, ticket_id, nonce = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_("This survey link is not valid.")) from exc
    survey = (
        Survey.objects.select_related("ticket", "agent__user", "tier")
        .filter(pk=survey_id, ticket_id=ticket_id)
        .first()
    )
    if survey is None or not secrets.compare_digest(survey.nonce, str(nonce)):
        raise NotFound(_("This survey link is not valid."))
    return survey


def open_until(survey: Survey):
    return survey.resolved_at + timedelta(days=settings.ESCALA_SURVEY_OPEN_DAYS)


def changeable_until(survey: Survey):
    if survey.answered_at is None:
        return open_until(survey)
    return survey.answered_at + timedelta(days=settings.ESCALA_SURVEY_CHANGE_DAYS)


def can_answer(survey: Survey) -> bool:
    return clock.now() <= changeable_until(survey)


def _rating(value: object) -> int:
    try:
        rating = int(str(value).strip())
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(_("Choose a rating from 1 to 5."), field="rating")
    return rating


def answer_survey(*, survey: Survey | int, rating: object, comment: str = "") -> Survey:
    """Record (or change, within the window) the one answer of a resolution's survey."""
    value = _rating(rating)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            _("The comment is too long (at most %(n)s characters).") % {"n": MAX_COMMENT},
            field="comment",
        )
    pk = survey.pk if isinstance(survey, Survey) else survey
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=pk)
        now = clock.now()
        if now > changeable_until(locked):
            if locked.answered_at is None:
                raise InvalidTransition(_("This survey has expired."))
            raise InvalidTransition(_("This answer can no longer be changed."))
        if locked.answered_at is None:
            locked.answered_at = now
        else:
            locked.changed_at = now
        locked.rating = value
        locked.comment = comment
        locked.save(update_fields=["rating", "comment", "answered_at", "changed_at"])
    if isinstance(survey, Survey):
        survey.rating, survey.comment = locked.rating, locked.comment
        survey.answered_at, survey.changed_at = locked.answered_at, locked.changed_at
    return locked


def survey_link(*, resolution: TicketEvent) -> str | None:
    """The full signed address of the survey of `resolution`, for its mail (the survey is
    created now when the listener has not yet run). None while the event is not yet stored."""
    if resolution.pk is None:
        return None
    from django.urls import reverse

    survey = create_survey(resolution=resolution)
    path = reverse("surveys:answer", kwargs={"token": token_for(survey)})
    return f"{settings.ESCALA_SITE_URL}{path}"
