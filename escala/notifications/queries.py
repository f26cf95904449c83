"""Reads that carry meaning: a person's inbox and how they want to hear of things."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from .choices import DEFAULT_DELIVERY
from .models import Notification, NotificationPreference
from .state import bell_state, unread_count  # noqa: F401 - the bell's reads live here too


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first, with what their rows show."""
    rows = Notification.objects.filter(recipient_id=user.pk).select_related("ticket", "actor")
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
