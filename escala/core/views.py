from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from escala.people.queries import agent_of
from escala.tickets.permissions import tickets_visible_to


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    tickets = tickets_visible_to(request.user).select_related("tier", "requester")[:25]
    return render(
        request,
        "core/home.html",
        {"tickets": tickets, "is_agent": agent_of(request.user) is not None},
    )
