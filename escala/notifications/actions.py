"""The only way notifications change: created by the listener (listeners.py), read by their
recipient, and each person's choice of how to hear of each kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import NotFound, ValidationFailed

from . import state
from .choices import Delivery, Kind
from .models import Notification, NotificationPreference


def mark_read(*, notification: int, by: Any) -> Notification:
    """Mark one of `by`'s own notifications read (again: nothing changes). Anyone else's, or
    one that does not exist, is NotFound: ids are not a way to learn about others."""
    with transaction.atomic():
        found = (
            Notification.objects.select_for_update()
            .filter(pk=notification, recipient_id=getattr(by, "pk", None))
            .first()
        )
        if found is None:
            raise NotFound(_("Notification not found."))
        if found.read_at is None:
            found.read_at = clock.now()
            found.save(update_fields=["read_at"])
            state.forget([by.pk])
    return found


def mark_all_read(*, by: Any) -> int:
    """Mark every unread notification of `by` read; how many were."""
    with transaction.atomic():
        done = Notification.objects.filter(recipient_id=by.pk, read_at__isnull=True).update(
            read_at=clock.now()
        )
        if done:
            state.forget([by.pk])
    return done


def set_preferences(*, user: Any, choices: Mapping[str, str]) -> dict[str, str]:
    """Store how `user` hears of each kind given (kind -> delivery). Every value is checked
    before anything is written; a bad one is refused at its own field."""
    errors: dict[str, list[str]] = {}
    for kind, delivery in choices.items():
        if kind not in Kind.values:
            errors.setdefault(str(kind)[:50], []).append(_("There is no such notification."))
        elif delivery not in Delivery.values:
            errors.setdefault(kind, []).append(_("Choose one of the options offered."))
    if errors:
        raise ValidationFailed(
            _("Some choices are not valid."), field=next(iter(errors)), fields=errors
        )
    with transaction.atomic():
        for kind, delivery in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )
    return dict(choices)
