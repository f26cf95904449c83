"""htmx helpers: one view serves the whole page and, for htmx requests, one named partial of it.

A template declares its fragments with Django's built-in ``{% partialdef name inline %}``; the
view renders ``"page.html#name"`` when htmx asked for that fragment and the whole page otherwise,
so every page still reads (and every form still posts) without JavaScript.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_boosted(request: HttpRequest) -> bool:
    return request.headers.get("HX-Boosted") == "true"


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of a page (a boosted link wants the whole page)."""
    return is_htmx(request) and not is_boosted(request)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only `partial` of it when htmx asked for a fragment."""
    name = f"{template}#{partial}" if partial and wants_fragment(request) else template
    return render(request, name, context, status=status)


def trigger(response: HttpResponse, event: str) -> HttpResponse:
    """Tell the page an event happened (HX-Trigger), e.g. to refresh a side panel."""
    existing = response.headers.get("HX-Trigger")
    response.headers["HX-Trigger"] = f"{existing}, {event}" if existing else event
    return response
