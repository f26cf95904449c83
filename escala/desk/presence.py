"""Who else has a ticket open, and who is writing on it: a soft warning, not a lock.

Each console page polls every few seconds and says "I am viewing" (or "replying" while the agent
types). The marks are rows (desk.Presence), one per agent and ticket, upserted in one statement,
so every server process sees them; they fade after `FRESH` seconds.
"""

from dataclasses import dataclass
from datetime import timedelta

from escala.core import clock

from .models import Presence as Mark

FRESH = timedelta(seconds=30)


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str


def mark(ticket_id: int, *, user_id: int, name: str, mode: str) -> None:
    now = clock.now()
    replying = mode == "replying"
    Mark.objects.bulk_create(
        [
            Mark(
                ticket_id=ticket_id,
                user_id=user_id,
                name=name,
                seen_at=now,
                typed_at=now if replying else None,
            )
        ],
        update_conflicts=True,
        unique_fields=["ticket", "user"],
        # Viewing keeps the last keystroke: typing marks an agent as replying for a while.
        update_fields=["name", "seen_at", "typed_at"] if replying else ["name", "seen_at"],
    )


def leave(ticket_id: int, *, user_id: int) -> None:
    Mark.objects.filter(ticket_id=ticket_id, user_id=user_id).delete()


def others(ticket_id: int, *, user_id: int) -> list[Presence]:
    now = clock.now()
    marks = Mark.objects.filter(ticket_id=ticket_id, seen_at__gt=now - FRESH).exclude(
        user_id=user_id
    )
    return sorted(
        (
            Presence(
                user_id=m.user_id,
                name=m.name,
                mode="replying" if m.typed_at and now - m.typed_at < FRESH else "viewing",
            )
            for m in marks
        ),
        key=lambda p: (p.mode != "replying", p.name),
    )


def forget_stale(before: timedelta = timedelta(hours=1)) -> int:
    """Delete marks nobody refreshed for a while (a periodic job)."""
    deleted, _per_model = Mark.objects.filter(seen_at__lt=clock.now() - before).delete()
    return deleted
