"""Pages relay the events of their own actions at once; the API and mail leave them to the worker
(see escala/tickets/events.py)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import events


class RelayPageEvents:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An integration's burst must cost its requests only their own inserts; a person at a
        # page expects the clocks, the assignee and the triggers' effects on the next render.
        if request.path_info.startswith("/api/v1/"):
            return self.get_response(request)
        with events.relayed_now():
            return self.get_response(request)
