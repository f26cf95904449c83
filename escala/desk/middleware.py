"""LiveShortcut: a live poll that finds nothing new is answered before the session and the user
are read (desk.live_views.shortcut; docs/decisions/0020-live-console.md)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class LiveShortcut:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path_info.startswith("/desk/live/"):
            from .live_views import shortcut  # the views import the whole console: not at startup

            if (response := shortcut(request)) is not None:
                add_never_cache_headers(response)
                return response
        return self.get_response(request)
