"""The bell's state, kept in the cache so a page pays no query for it.

`unread_count(user)` and `bell_state(user)` read one cache entry (count, stamp); a miss costs
one indexed query (the partial index on unread rows). The stamp is the unread set's count and
newest id: any change to it (a new notification, one read) changes the stamp, and the same set
always gives the same stamp, so the bell's poll (which sends the stamp it has) knows with no
query whether anything changed, even after an entry expired. Every change drops the person's
entry (`forget(user_ids)`). With a per-process cache ("memory") another process's change is
seen after at most LOCAL_TTL seconds; with the file or Redis cache at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

log = logging.getLogger(__name__)

SHARED_TTL = 120  # also the worst case of a read racing a change
LOCAL_TTL = 10


def _key(user_id: int) -> str:
    return f"notifications:bell:{user_id}"


def _ttl() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_TTL if backend.endswith("LocMemCache") else SHARED_TTL


def _read(user: Any) -> tuple[int, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0, ""
    key = _key(user.pk)
    try:
        known = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage costs a query, never the page
        known = None
    if isinstance(known, tuple) and len(known) == 2:
        return known
    from .queries import mine

    unread = mine(user).filter(read_at__isnull=True).aggregate(n=Count("id"), last=Max("id"))
    # The same state always gives the same stamp (so an expired entry, or another process,
    # recomputes the stamp the page already has); any change to the unread set changes it.
    value = (unread["n"], f"{unread['n']}.{unread['last'] or 0}")
    try:
        cache.set(key, value, _ttl())
    except Exception:  # noqa: BLE001 - the next read counts again
        log.warning("could not keep the bell state of user %s", user.pk)
    return value


def unread_count(user: Any) -> int:
    """How many unread notifications the user has (0 for anyone signed out)."""
    return _read(user)[0]


def kept_unread_count(user_id: int) -> int | None:
    """The unread count if the cache holds it, else None (no query: the caller has no user)."""
    try:
        known = cache.get(_key(user_id))
    except Exception:  # noqa: BLE001
        return None
    if isinstance(known, tuple) and len(known) == 2:
        return known[0]
    return None


def bell_state(user: Any) -> tuple[int, str]:
    """(unread count, stamp): the stamp changes whenever the user's notifications change."""
    return _read(user)


def forget(user_ids: Iterable[int]) -> None:
    """Drop the kept state of these people, now and once the current transaction commits."""
    keys = [_key(pk) for pk in set(user_ids)]
    if not keys:
        return

    def drop() -> None:
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001 - entries then expire on their own
            log.warning("could not drop the bell state of %d users", len(keys))

    # Now (this process's next read, inside the transaction, sees the change) and again after
    # the commit (a read by another process in between cached what was true before it).
    drop()
    transaction.on_commit(drop, robust=True)
