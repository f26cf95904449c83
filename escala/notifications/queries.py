"""Reads that carry meaning: a person's inbox and how they want to hear of things."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from escala.tickets.permissions import ticket_scope, tickets_for_scope

from .choices import DEFAULT_DELIVERY
from .models import Notification, NotificationPreference


def mine(user: Any) -> QuerySet[Notification]:
    """The user's own notifications about tickets they may still see: one escalated on beyond
    their tiers since is no longer shown (nor counted), its subject included."""
    rows = Notification.objects.filter(recipient_id=user.pk)
    scope = ticket_scope(user)
    if not scope.everything:
        rows = rows.filter(ticket__in=tickets_for_scope(scope).values("pk"))
    return rows


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first, with what their rows show."""
    rows = mine(user).select_related("ticket", "actor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def preferences_of(user: Any) -> dict[str, str]:
    """Every kind with the user's choice, or its default."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_DELIVERY.items()}


def deliveries(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(user id, kind) -> delivery for many people in one query; missing pairs: the default."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in=ids
        ).values_list("user_id", "kind", "delivery")
    }


def unread_count(user: Any) -> int:
    """How many unread notifications the user has (kept in the cache: state.py)."""
    from .state import unread_count as kept

    return kept(user)
