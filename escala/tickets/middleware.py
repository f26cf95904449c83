"""Pages relay the events of their own actions; the API and mail leave them to the worker
(see escala/tickets/events.py and docs/decisions/0021-submit-and-relay.md)."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import events

log = logging.getLogger(__name__)

# The events a page left to the worker, for its author's next request (signed: a forged or
# tampered cookie is ignored; an id the worker already relayed costs one indexed look-up).
COOKIE = "escala_relay"
SALT = "escala.tickets.relay"
MAX_IDS = 50  # a cookie holds at most one small action's events
MAX_AGE = 3600


class RelayPageEvents:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An integration's burst must cost its requests only their own inserts; a person at a
        # page expects the clocks, the assignee and the triggers' effects on the next render.
        if request.path_info.startswith("/api/v1/"):
            return self.get_response(request)
        pending = _pending(request)
        if pending:
            # What this person's last action left to the worker is relayed before anything
            # renders, unless the worker has done it (then this is one look-up): they see it.
            events.relay_for_author(pending)
        with events.relayed_now():
            response = self.get_response(request)
            later = events.take_deferred()
        if later:
            events.wake_worker()
            response.set_signed_cookie(
                COOKIE,
                ",".join(str(pk) for pk in later[-MAX_IDS:]),
                salt=SALT,
                max_age=MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        elif pending:
            response.delete_cookie(COOKIE, samesite="Lax")
        return response


def _pending(request: HttpRequest) -> list[int]:
    if COOKIE not in request.COOKIES:
        return []
    value = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
    ids = []
    for part in value.split(",")[:MAX_IDS]:
        if part.isdigit() and len(part) < 19:  # fits a bigint
            ids.append(int(part))
    return ids
