"""Who else has a ticket open, and who is writing on it: a soft warning, not a lock.

Each console page polls every few seconds and says "I am viewing" (or "replying" while the agent
types). The marks live in Django's cache, keyed by ticket, and fade after `FRESH` seconds.
With several server processes the cache must be shared (CACHES: database or Redis); the default
in-process cache suits a single process, as `escala serve` runs.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

from escala.core import clock

FRESH = timedelta(seconds=30)


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str


def _key(ticket_id: int) -> str:
    return f"escala:desk:presence:{ticket_id}"


def mark(ticket_id: int, *, user_id: int, name: str, mode: str) -> None:
    now = clock.now()
    marks = {
        uid: m for uid, m in (cache.get(_key(ticket_id)) or {}).items() if now - m["at"] < FRESH
    }
    typed_at = (marks.get(user_id) or {}).get("typed_at")
    if mode == "replying":
        typed_at = now
    marks[user_id] = {"name": name, "at": now, "typed_at": typed_at}
    cache.set(_key(ticket_id), marks, timeout=int(FRESH.total_seconds()) * 4)


def leave(ticket_id: int, *, user_id: int) -> None:
    marks = cache.get(_key(ticket_id)) or {}
    if marks.pop(user_id, None) is not None:
        cache.set(_key(ticket_id), marks, timeout=int(FRESH.total_seconds()) * 4)


def others(ticket_id: int, *, user_id: int) -> list[Presence]:
    now = clock.now()
    marks = cache.get(_key(ticket_id)) or {}
    return sorted(
        (
            Presence(
                user_id=uid,
                name=m["name"],
                # Typing marks the agent as replying until they stop for a while.
                mode="replying" if m["typed_at"] and now - m["typed_at"] < FRESH else "viewing",
            )
            for uid, m in marks.items()
            if uid != user_id and now - m["at"] < FRESH
        ),
        key=lambda p: (p.mode != "replying", p.name),
    )
