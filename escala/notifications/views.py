"""The notification center under /desk/notifications/: the full list (and, as its htmx fragment,
the bell's panel), the bell's conditional poll, "mark all read", opening one (its button
posts: that reads it), and the preferences. Thin: reads through queries/state, changes
through actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.core import clock
from escala.core.errors import NotFound, ValidationFailed
from escala.core.htmx import render_page, wants_fragment
from escala.core.paging import keyset_page
from escala.people.access import is_staff_member

from . import actions, present, queries, state
from .forms import PreferencesForm

PAGE_SIZE = 25
PANEL_SIZE = 8
JUST_NOW = timedelta(minutes=1)  # "0 minutes ago" reads as a bug


def staff_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            if request.method == "GET" and not wants_fragment(request):
                return redirect("portal:home")
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _rows(notifications: list) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "n": n,
            "text": present.text(n.kind, n.params),
            "detail": present.detail(n.params),
            "just_now": now - n.created_at < JUST_NOW,
        }
        for n in notifications
    ]


@require_GET
@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The full list (unread or all, newest first, paged by keyset); for htmx with `panel`,
    the bell's panel: the latest few."""
    unread_only = request.GET.get("show") == "unread"
    count, stamp = state.bell_state(request.user)
    if "panel" in request.GET and wants_fragment(request):
        latest = list(queries.inbox(request.user)[:PANEL_SIZE])
        context = {"rows": _rows(latest), "count": count, "stamp": stamp}
        return render_page(request, "notifications/list.html", context, partial="panel")
    page = keyset_page(
        queries.inbox(request.user, unread_only=unread_only),
        order=[("id", True)],
        cursor=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    params = request.GET.copy()
    params.pop("after", None)
    next_url = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_url = f"?{params.urlencode()}"
    context = {
        "rows": _rows(page.rows),
        "count": count,
        "stamp": stamp,
        "show": "unread" if unread_only else "all",
        "next_url": next_url,
        "is_first": page.is_first,
    }
    return render_page(request, "notifications/list.html", context, partial="rows")


@never_cache
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell's poll: 204 (no swap, no query of ours) while the stamp it sent is current;
    the count again when anything changed. Signed out (or no longer an agent), the poll is
    told to stop (htmx's 286) rather than swap a sign-in page into the top bar."""
    if not is_staff_member(request.user):
        return HttpResponse(status=286 if wants_fragment(request) else 404)
    count, stamp = state.bell_state(request.user)
    if request.GET.get("stamp") == stamp and wants_fragment(request):
        return HttpResponse(status=204)
    return render_page(
        request, "notifications/bell.html", {"count": count, "stamp": stamp}, partial="count"
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("notifications:list")


@require_POST
@staff_required
def read_all(request: HttpRequest) -> HttpResponse:
    done = actions.mark_all_read(by=request.user)
    if wants_fragment(request):
        count, stamp = state.bell_state(request.user)
        latest = list(queries.inbox(request.user)[:PANEL_SIZE])
        response = render_page(
            request,
            "notifications/list.html",
            {"rows": _rows(latest), "count": count, "stamp": stamp},
            partial="panel",
        )
        response.headers["HX-Trigger"] = "escala:bell"  # the count refreshes itself
        return response
    if done:
        messages.success(request, _("All notifications marked read."))
    return redirect(_back(request))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its ticket (a ticket the person may no longer see answers 404
    there, as for anyone). Only the POST of its button marks it read: a GET (a link scanner, a
    prefetch, an old bookmark) just goes to the ticket and changes nothing."""
    if request.method != "POST":
        ticket_id = queries.mine(request.user).filter(pk=pk).values_list("ticket_id", flat=True)
        if not (found := ticket_id.first()):
            raise Http404(_("Notification not found."))
        return redirect("desk:ticket", pk=found)
    try:
        read = actions.mark_read(notification=pk, by=request.user)
    except NotFound:
        raise Http404(_("Notification not found.")) from None
    return redirect("desk:ticket", pk=read.ticket_id)


@require_http_methods(["GET", "POST"])
@staff_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = queries.preferences_of(request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, initial_choices=current)
        if form.is_valid():
            try:
                actions.set_preferences(user=request.user, choices=form.cleaned_data)
            except ValidationFailed as e:
                for name, problems in (e.fields or {e.field or "__all__": [e.message]}).items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, _("Your notification preferences were saved."))
                return redirect("notifications:preferences")
        status = 400
    else:
        form = PreferencesForm(initial_choices=current)
        status = 200
    return render_page(
        request, "notifications/preferences.html", {"form": form}, partial="form", status=status
    )
