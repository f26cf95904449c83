"""Alerts for the admins: a limit held automatic mail back (see `limits`) or held a flood.

One open alert per (kind, address or domain), counted up while it goes on, so a flood makes one
line, not thousands. Admins see them at /desk/mail/alerts/ (a badge on the console's Mail link)
and mark them handled; the next occurrence opens a new one.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from escala.core import clock

from .models import MailAlert


def raise_alert(*, kind: str, key: str, detail: str = "", mail_id: int | None = None) -> None:
    """Open the (kind, key) alert or count one more on it, in the caller's transaction."""
    now = clock.now()
    key = key.strip().lower()[:254]
    for _attempt in range(3):
        updated = MailAlert.objects.filter(kind=kind, key=key, resolved_at__isnull=True).update(
            count=F("count") + 1, last_at=now, detail=detail, last_mail_id=mail_id
        )
        if updated:
            return
        try:
            with transaction.atomic():
                MailAlert.objects.create(
                    kind=kind,
                    key=key,
                    detail=detail,
                    first_at=now,
                    last_at=now,
                    last_mail_id=mail_id,
                )
            return
        except IntegrityError:
            continue  # another process opened it a moment ago: count on it


def open_alerts():
    return MailAlert.objects.filter(resolved_at__isnull=True)


def open_count() -> int:
    return open_alerts().count()


def resolve(alert_id: int, *, by) -> bool:
    """An admin has seen to it. False when it was handled already (or does not exist)."""
    return bool(
        MailAlert.objects.filter(pk=alert_id, resolved_at__isnull=True).update(
            resolved_at=clock.now(), resolved_by=by
        )
    )
