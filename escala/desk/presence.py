"""Who else has a ticket open, and who is typing on it: a soft warning, not a lock.

Every open ticket page says "I am here" with its live poll (desk.live), and "I am typing" while
the agent types in the composer (what: a reply or an internal note). The marks of one ticket are
one entry in Django's cache (a file shared by the server's processes, or Redis shared by every
host), so reading them costs a live poll no query. They fade on their own: a page that stopped
polling is gone after `FRESH`, a keystroke counts as typing for `TYPING`, and an unsent draft
keeps the agent "writing" until they send it or leave.

Two agents marking the same ticket in the same instant may overwrite each other's mark: the loser
is back with their next heartbeat (every `REFRESH`), which is good enough for a warning.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

from escala.core import clock

FRESH = timedelta(seconds=30)  # a page that stopped polling this long ago has left
TYPING = timedelta(seconds=8)  # a keystroke this recent: "is typing"
REFRESH = timedelta(seconds=10)  # a page rewrites an unchanged mark at most this often
MODES = ("viewing", "writing", "typing")
KINDS = ("reply", "note")


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str  # viewing, writing (an unsent draft) or typing (a keystroke just now)
    kind: str = "reply"  # what they write: a public reply or an internal note

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace(".", " ").split() if p[:1].isalnum()]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


def _key(ticket_id: int) -> str:
    return f"live:presence:{ticket_id}"


def _read(ticket_id: int) -> dict[int, list]:
    try:
        marks = cache.get(_key(ticket_id))
    except Exception:  # noqa: BLE001 - the cache is down: nobody is shown, nothing breaks
        return {}
    return marks if isinstance(marks, dict) else {}


def _write(ticket_id: int, marks: dict[int, list]) -> None:
    try:
        if marks:
            cache.set(_key(ticket_id), marks, timeout=int(FRESH.total_seconds()) * 4)
        else:
            cache.delete(_key(ticket_id))
    except Exception:  # noqa: BLE001, S110 - a lost mark is refreshed by the next heartbeat
        pass


def mark(
    ticket_id: int,
    *,
    user_id: int,
    name: str,
    typing: bool = False,
    draft: bool | None = None,
    kind: str | None = None,
    marks: dict[int, list] | None = None,
) -> None:
    """Say the user has the ticket open (typing: a keystroke just now; draft: an unsent text in
    the composer; None: as the last mark said). `marks`: the ticket's marks the caller read
    already. Writes only when the mark says something new or is due for its heartbeat."""
    now = clock.now().timestamp()
    marks = dict(_read(ticket_id) if marks is None else marks)
    old = marks.get(user_id)
    if kind not in KINDS:
        kind = old[4] if old else "reply"
    if draft is None:
        draft = bool(old and old[3])
    typed = now if typing else (old[2] if old and old[2] else None)
    new = [name[:150], now, typed, bool(draft or typing), kind]
    if (
        old is not None
        and old[0] == new[0]
        and old[3:] == new[3:]
        and not typing
        and now - old[1] < REFRESH.total_seconds()
    ):
        return
    marks[user_id] = new
    cutoff = now - FRESH.total_seconds()
    _write(ticket_id, {uid: m for uid, m in marks.items() if m[1] > cutoff})


def leave(ticket_id: int, *, user_id: int) -> None:
    """The agent left the page, or sent what they wrote (they are no longer writing)."""
    marks = _read(ticket_id)
    if user_id in marks:
        marks.pop(user_id)
        _write(ticket_id, marks)


def sent(ticket_id: int, *, user_id: int) -> None:
    """The agent sent their message: still viewing, no longer writing."""
    marks = _read(ticket_id)
    if (old := marks.get(user_id)) is not None:
        marks[user_id] = [old[0], old[1], None, False, old[4]]
        _write(ticket_id, marks)


def others(ticket_id: int, *, user_id: int, marks: dict[int, list] | None = None) -> list[Presence]:
    """Everyone else with the ticket open now: typing first, then writing, then by name."""
    now = clock.now().timestamp()
    marks = _read(ticket_id) if marks is None else marks
    found = []
    for uid, (name, seen, typed, draft, kind) in marks.items():
        if uid == user_id or now - seen >= FRESH.total_seconds():
            continue
        if typed is not None and now - typed < TYPING.total_seconds():
            mode = "typing"
        elif draft:
            mode = "writing"
        else:
            mode = "viewing"
        found.append(Presence(user_id=uid, name=name, mode=mode, kind=kind))
    return sorted(found, key=lambda p: (-MODES.index(p.mode), p.name.lower()))


def signature(people: list[Presence]) -> str:
    """A short digest of who is shown doing what: a page that shows the same needs no update."""
    text = "|".join(f"{p.user_id}:{p.mode}:{p.kind}:{p.name}" for p in people)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def marks_of(ticket_id: int) -> dict[int, list]:
    """The ticket's marks as stored (for a caller that marks and then lists)."""
    return _read(ticket_id)
