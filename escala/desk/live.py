"""Change stamps for the live console: has anything a page shows changed since it last asked?

Each open console page polls (docs/decisions/0020-live-console.md). To answer "nothing changed"
without a query, every change leaves a stamp in Django's cache (a file shared by the server's
processes, Redis shared by several hosts):

- `ticket:<id>`: the ticket changed (a message, its status, tier, assignee, anything that wrote
  a TicketEvent);
- a *route* stamp for each queue a change can move a ticket into or out of: `tier:<id>`,
  `team:<id>`, `agent:<id>` (assigned to), and `all` (any ticket: the supervisors' queues).

Stamps are written right after the commit by `tickets.events.tickets_touched`, in whatever
process committed (a page, the API, the mail, the worker). A stamp is an opaque random token, so
processes never need to agree on a counter: a page sends back the stamp it has, and a different
one means "look again". A stamp the cache lost is made anew, which only makes the pages that
held the old one look again once.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Collection, Iterable
from typing import Any

from django.core.cache import cache

from escala.people.queries import agent_of, is_admin, team_and_tier_ids

# Stamps outlive any open page by far; a lost one costs one extra look, never a missed change.
STAMP_SECONDS = 7 * 24 * 3600
# Which queues a user's tabs depend on (their teams), and their may-see grant for a ticket, are
# kept this long: a change of teams reaches an open page within it.
GRANT_SECONDS = 60


def _token() -> str:
    return secrets.token_hex(6)


def _stamp_key(name: str) -> str:
    return f"live:stamp:{name}"


def touch(routes: dict[int, set[tuple[str, int | None]]], *, created: Collection[int] = ()) -> None:
    """Mark tickets changed, and the queues they were and are in (a tickets_touched listener).
    A ticket just `created` gets no stamp of its own: no page held one for it (the first page
    that asks makes it), so only its queues are marked (one file fewer per new ticket)."""
    names = {"all"}
    for ticket_id, ticket_routes in routes.items():
        if ticket_id not in created:
            names.add(f"ticket:{ticket_id}")
        names.update(f"{kind}:{pk}" for kind, pk in ticket_routes if pk is not None)
    token = _token()
    with contextlib.suppress(Exception):  # the cache is down: pages keep polling, see nothing new
        cache.set_many({_stamp_key(n): token for n in names}, timeout=STAMP_SECONDS)


def on_tickets_touched(sender: Any, routes: dict, **kwargs: Any) -> None:
    touch(routes, created=kwargs.get("created", ()))


def stamps(names: Iterable[str]) -> dict[str, str]:
    """The current stamp of each name; a name without one gets a fresh stamp."""
    names = list(names)
    keys = {_stamp_key(n): n for n in names}
    try:
        found = cache.get_many(list(keys))
    except Exception:  # noqa: BLE001 - the cache is down: "changed" every time, never stale
        return {n: _token() for n in names}
    result = {keys[k]: v for k, v in found.items() if isinstance(v, str)}
    missing = {k: _token() for k, n in keys.items() if n not in result}
    if missing:
        with contextlib.suppress(Exception):  # answer with the fresh tokens
            for key, token in missing.items():
                cache.add(key, token, timeout=STAMP_SECONDS)
            # Another process may have added its own first: read back what won.
            result.update({keys[k]: v for k, v in cache.get_many(list(missing)).items()})
        for key, token in missing.items():
            result.setdefault(keys[key], token)
    return result


def combined(values: Iterable[str]) -> str:
    """One stamp for several (a queue page watches several routes)."""
    digest = hashlib.blake2s("|".join(values).encode(), digest_size=8)
    return digest.hexdigest()


def ticket_stamp(ticket_id: int) -> str:
    name = f"ticket:{ticket_id}"
    return stamps([name])[name]


# --- What a user's queue tabs depend on ---------------------------------------------------------


def routes_of(user: Any, *, known_only: bool = False) -> list[str] | None:
    """The route stamps a user's queue tabs depend on, kept a minute per user: their own
    assignments, their teams and tiers, and every change for a supervisor or administrator.
    known_only: None rather than a query when they are not kept."""
    key = f"live:routes:{user.pk}"
    try:
        known = cache.get(key)
    except Exception:  # noqa: BLE001
        known = None
    if isinstance(known, list):
        return known
    if known_only:
        return None
    agent = agent_of(user)
    routes: list[str] = []
    if is_admin(user) or (agent is not None and agent.is_supervisor):
        routes.append("all")
    if agent is not None:
        team_ids, tier_ids = team_and_tier_ids(agent)
        routes.append(f"agent:{agent.pk}")
        routes += [f"team:{pk}" for pk in team_ids] + [f"tier:{pk}" for pk in tier_ids]
    with contextlib.suppress(Exception):  # the cache is down: nothing lost but a shortcut
        cache.set(key, routes, timeout=GRANT_SECONDS)
    return routes


def queue_stamp(user: Any, names: list[str] | None = None) -> str:
    found = stamps(names if names is not None else routes_of(user) or [])
    return combined(f"{name}={found[name]}" for name in sorted(found))


# --- A user's grant to watch a ticket, checked once per ticket change ---------------------------


def _grant_key(user_id: int, ticket_id: int) -> str:
    return f"live:grant:{user_id}:{ticket_id}"


def granted(user_id: int, ticket_id: int, stamp: str) -> bool:
    """Whether the user was allowed to see the ticket as it is at `stamp` (within a minute)."""
    try:
        return cache.get(_grant_key(user_id, ticket_id)) == stamp
    except Exception:  # noqa: BLE001
        return False


def grant(user_id: int, ticket_id: int, stamp: str) -> None:
    with contextlib.suppress(Exception):  # the cache is down: nothing lost but a shortcut
        cache.set(_grant_key(user_id, ticket_id), stamp, timeout=GRANT_SECONDS)
