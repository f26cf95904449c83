"""Search from anywhere: the top bar's box (as-you-type results, htmx) and its full results
page (Enter without choosing a result), one view for both."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from escala.core.htmx import render_page, wants_fragment

from . import find as finder
from .views import agent_required


@require_GET
@agent_required
def find(request: HttpRequest) -> HttpResponse:
    fragment = wants_fragment(request)
    found = finder.find(
        request.user,
        request.GET.get("q"),
        limits=finder.DROPDOWN if fragment else finder.PAGE,
    )
    # A ticket named by its number is where the agent wanted to go: no results page between.
    if not fragment and found.number is not None and request.GET.get("all") != "1":
        return redirect("desk:ticket", pk=found.number.pk)
    return render_page(
        request, "desk/find.html", {"found": found, "nav": "find"}, partial="results"
    )
