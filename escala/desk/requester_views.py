"""The requester at a glance: their page, and the ticket page's side panel (the same partial,
loaded by htmx after the ticket page so that page's own queries stay as they were)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from escala.core.errors import NotFound
from escala.core.htmx import render_page
from escala.core.inputs import parse_id

from . import queries
from .views import agent_required


@require_GET
@agent_required
def requester(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        glance = queries.requester_glance(request.user, pk)
    except NotFound:
        raise Http404 from None
    context = {
        "glance": glance,
        "requester": glance.requester,
        # The ticket whose page shows the panel: marked in the list, not linked to itself.
        "current": parse_id(request.GET.get("ticket") or ""),
        "nav": "queue",
    }
    return render_page(request, "desk/requester.html", context, partial="panel")
