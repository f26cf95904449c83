"""The live console's polls: the ticket page and the queue page ask every few seconds whether
anything they show changed (docs/decisions/0020-live-console.md).

An answer costs no query when nothing changed: the page sends the stamps it has (desk.live), the
presence it shows and the notification count; equal stamps and the same people mean 204 No
Content. Only a change costs the page's queries: the ticket's fragment, rendered by the ticket
page's own view code, or the queue's tab counts and the ids of the rows the page shows.
Every JSON answer carries `notifications` (desk.live_extras.unread_count) for other features;
the page dispatches it as the DOM event `escala:live`.
"""

import contextlib
import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from escala.core.errors import NotFound
from escala.core.paging import keyset_page
from escala.people.queries import agent_of, is_admin
from escala.tickets.permissions import access_ticket

from . import labels, live, live_extras, presence, queries
from .queue_views import queue_view
from .views import _context, _load

COUNT_CAP = 10_000  # a tab shows "9999+" beyond
COUNTS_SECONDS = 600


def _refuse(status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": code}, status=status)


def live_endpoint(view: Callable) -> Callable:
    """Agents and administrators only. A poll is never redirected to the sign-in page: the page
    is told (403) and stops polling."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _refuse(403, "signed_out")
        if agent_of(request.user) is None and not is_admin(request.user):
            return _refuse(403, "agents_only")
        _remember(request)
        return view(request, *args, **kwargs)

    return wrapper


# --- The shortcut: "nothing changed" before the session and the user are read ------------------
#
# A poll's own work costs well under a millisecond; reading the session and the user costs two
# queries and most of a poll's CPU. The full path below remembers, for a minute, who the session
# cookie belongs to (in the cache, under a digest of the cookie); LiveShortcut (desk.middleware)
# answers 204 from that for a poll that finds nothing new, without the session, the user or the
# middleware after it. Anything else (a change, a stamp it does not know, a remembered user gone
# from the cache) takes the full path, which checks everything again. So a user signed out or
# taken off a team meanwhile keeps hearing "nothing changed" for at most that minute, and
# nothing else (signing out forgets them at once).


def _who_key(session_key: str) -> str:
    digest = hashlib.blake2s(session_key.encode(), digest_size=16).hexdigest()
    return f"live:who:{digest}"


class _Who(NamedTuple):
    """Who a session cookie belongs to, as the shortcut needs it: never the User row itself
    (the cache would hold password hashes)."""

    pk: int
    name: str
    is_authenticated: bool = True

    def get_full_name(self) -> str:
        return self.name

    def get_username(self) -> str:
        return self.name


def _remember(request: HttpRequest) -> None:
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    user = getattr(request.user, "_wrapped", request.user)
    if session_key and getattr(user, "pk", None):
        who = (user.pk, user.get_full_name() or user.get_username())
        with contextlib.suppress(Exception):  # the cache is down: every poll takes the full path
            cache.set(_who_key(session_key), who, timeout=live.GRANT_SECONDS)


def forget_session(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """user_logged_out: that session's polls take the full path (and are refused) at once."""
    if request is not None and (key := request.COOKIES.get(settings.SESSION_COOKIE_NAME)):
        with contextlib.suppress(Exception):
            cache.delete(_who_key(key))


def _remembered(request: HttpRequest) -> Any:
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key or len(session_key) > 64:
        return None
    try:
        known = cache.get(_who_key(session_key))
    except Exception:  # noqa: BLE001
        return None
    if not (isinstance(known, tuple) and len(known) == 2):
        return None
    return _Who(*known)


TICKET_POLL = re.compile(r"^/desk/live/tickets/(\d{1,18})/$")


def shortcut(request: HttpRequest) -> HttpResponse | None:
    """204 for a poll that finds nothing new, from what the cache holds; None: the full path."""
    user = _remembered(request)
    if user is None:
        return None
    if found := TICKET_POLL.match(request.path_info):
        pk = int(found[1])
        stamp = live.ticket_stamp(pk)
        if not _same(request, "s", stamp) or not live.granted(user.pk, pk, stamp):
            return None
        _others, seen, _unread = _presence(request, user, pk, kept_only=True)
        notifications = live_extras.kept_unread_count(user.pk)
        if notifications is None:
            return None
        if _same(request, "p", seen) and _same(request, "n", notifications):
            return HttpResponse(status=204)
        return None
    if request.path_info == "/desk/live/queue/":
        names = live.routes_of(user, known_only=True)
        if names is None:
            return None
        notifications = live_extras.kept_unread_count(user.pk)
        if notifications is None:
            return None
        if _same(request, "s", live.queue_stamp(user, names)) and _same(
            request, "n", notifications
        ):
            return HttpResponse(status=204)
    return None


def _presence(
    request: HttpRequest, user: Any, pk: int, *, kept_only: bool = False
) -> tuple[list, str, int | None]:
    """Mark the user on the ticket as the poll says; who else is there; the notifications."""
    marks = presence.marks_of(pk)
    presence.mark(
        pk,
        user_id=user.pk,
        name=user.get_full_name() or user.get_username(),
        typing=request.GET.get("typing") == "1",
        draft=request.GET.get("draft") == "1",
        kind=_said(request, "kind", 8),
        marks=marks,
    )
    others = presence.others(pk, user_id=user.pk, marks=marks)
    unread = None if kept_only else live_extras.unread_count(user)
    return others, presence.signature(others), unread


def _said(request: HttpRequest, name: str, limit: int = 64) -> str:
    return request.GET.get(name, "")[:limit]


def _same(request: HttpRequest, name: str, value: object) -> bool:
    return _said(request, name) == ("" if value is None else str(value))


def _answer(body: dict[str, Any], notifications: int | None) -> JsonResponse:
    body["notifications"] = notifications
    return JsonResponse(body)


# --- The ticket page --------------------------------------------------------------------------


@require_GET
@live_endpoint
def ticket_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """?s=<stamp the page has>&p=<presence it shows>&n=<notifications it shows>, and what the
    agent is doing: typing=1 (a keystroke just now), draft=1 (unsent text), kind=reply|note."""
    user = request.user
    stamp = live.ticket_stamp(pk)
    changed = not _same(request, "s", stamp)
    ticket = None
    if changed:
        try:
            ticket = _load(request, pk)
        except Http404:
            return _refuse(404, "not_found")
        live.grant(user.pk, pk, stamp)
    elif not live.granted(user.pk, pk, stamp):
        # Nothing to render: only whether the user may still see it, through the one policy.
        try:
            access_ticket(user, pk)
        except NotFound:
            return _refuse(404, "not_found")
        live.grant(user.pk, pk, stamp)
    others, seen, notifications = _presence(request, user, pk)
    if not changed and _same(request, "p", seen) and _same(request, "n", notifications):
        return HttpResponse(status=204)
    body: dict[str, Any] = {
        "stamp": stamp,
        "presence": {
            "stamp": seen,
            "html": render_to_string("desk/_presence.html", {"others": others}, request),
            "people": [{"name": p.name, "mode": p.mode, "kind": p.kind} for p in others],
        },
    }
    if changed and ticket is not None:
        # The page's own fragment, as the page would render it; flash messages stay for the page.
        context = _context(request, ticket) | {"live_stamp": stamp, "messages": []}
        body["version"] = ticket.version
        body["html"] = render_to_string("desk/ticket.html#ticket", context, request)
    return _answer(body, notifications)


@require_POST
@live_endpoint
def ticket_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """The page was closed or left (sent by the browser as it goes): others stop seeing us."""
    presence.leave(pk, user_id=request.user.pk)
    return HttpResponse(status=204)


# --- The queue page ---------------------------------------------------------------------------


def _kept(key: str, stamp: str) -> Any:
    """What the cache keeps under key as (stamp, value), if kept for this stamp; else None."""
    try:
        known = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is down: computed again
        return None
    if isinstance(known, tuple) and len(known) == 2 and known[0] == stamp:
        return known[1]
    return None


def tab_counts(user: Any, stamp: str) -> dict[str, int]:
    """Open tickets in each of the user's queues, counted once per change of those queues (one
    entry per user, overwritten: an entry per stamp would pile up in the file cache)."""
    key = f"live:counts:{user.pk}"
    if (known := _kept(key, stamp)) is not None:
        return known
    names = [n for n in queries.QUEUES if n != "all" or queries.is_supervisor(user)]
    counts = queries.open_counts(user, names)
    with contextlib.suppress(Exception):  # the cache is down: nothing lost but a shortcut
        cache.set(key, (stamp, counts), timeout=COUNTS_SECONDS)
    return counts


def _question(request: HttpRequest) -> str:
    """The queue page's own query (what it shows), without what the poll adds."""
    params = sorted(
        (k, v) for k, values in request.GET.lists() if k not in ("s", "n") for v in values
    )
    text = "&".join(f"{k}={v}" for k, v in params)
    return hashlib.blake2s(text.encode(), digest_size=12).hexdigest()


@require_GET
@live_endpoint
def queue_poll(request: HttpRequest) -> HttpResponse:
    """The queue page's own query string (queue, filters, sort, page), plus s=<stamp it has>
    and n=<notifications it shows>. Answers the tab counts and the rows of the page it shows
    ([id, updated]), for the page to tell what is new or changed. The answer is kept per user,
    question and stamp: the user's pages asking the same between two changes cost one query."""
    user = request.user
    stamp = live.queue_stamp(user)
    notifications = live_extras.unread_count(user)
    if _same(request, "s", stamp) and _same(request, "n", notifications):
        return HttpResponse(status=204)
    key = f"live:queue:{user.pk}:{_question(request)}"
    if (known := _kept(key, stamp)) is not None:
        return _answer(dict(known), notifications)
    view = queue_view(request, labels.labels())
    page = keyset_page(
        view.tickets.only("pk", "updated_at", "created_at", "sla_due_at"),
        order=view.order,
        cursor=request.GET.get("after"),
        size=view.size,
        nulls_last=view.nulls_last,
    )
    body = {
        "stamp": stamp,
        "counts": tab_counts(user, stamp),
        "cap": COUNT_CAP,
        "rows": [[t.pk, row_version(t)] for t in page.rows],
    }
    with contextlib.suppress(Exception):  # the cache is down: the next page asks again
        cache.set(key, (stamp, body), timeout=COUNTS_SECONDS)
    return _answer(dict(body), notifications)


def row_version(ticket: Any) -> str:
    """What a queue row's data-v says: when the ticket last changed."""
    return f"{ticket.updated_at.timestamp():.6f}"
