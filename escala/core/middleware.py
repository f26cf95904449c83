"""Request-level helpers shared by every page: the branded "not found" page while DEBUG is on,
and a request id for the logs (escala.core.logs)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

API_PREFIX = "/api/"


class BrandedNotFound:
    """With DEBUG on (`make run`), Django answers an unknown address with its technical page,
    which lists every URL pattern; a person following a stale link should see the help desk's
    own page instead. With DEBUG off Django renders 404.html itself and this does nothing.
    JSON answers (the API's) and non-HTML responses are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(API_PREFIX)
            and not getattr(response, "escala_branded", False)
        ):
            branded = HttpResponse(render_to_string("404.html", request=request), status=404)
            branded.escala_branded = True
            return branded
        return response
