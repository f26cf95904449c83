"""The agent console's queues: the queue page and its live reading of the filters, bulk changes,
saved filters, and an agent's away switch. An adapter only, as escala.desk.views."""

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escala.automation.actions import set_away
from escala.core.errors import DomainError
from escala.core.htmx import render_page
from escala.core.inputs import parse_id
from escala.core.paging import keyset_page
from escala.people.access import requesters_visible_to
from escala.people.models import Requester
from escala.people.queries import agent_of
from escala.sla.queries import queue_due
from escala.tickets import actions
from escala.tickets.permissions import access_ticket

from . import actions as desk_actions
from . import forms as f
from . import labels, present, queries
from .models import SavedFilter
from .views import _teams_from_labels, agent_required

# --- Queues ------------------------------------------------------------------------------------


@dataclass
class QueueView:
    """What a queue request asks for: the queue, its filters and sort, as the page reads them
    (the live poll of the page reads them the same way)."""

    form: f.QueueFilterForm
    name: str
    tickets: Any  # the filtered queryset
    order: Any
    size: int
    sort: str = "newest"

    @property
    def nulls_last(self) -> tuple:
        """The sort's columns whose empty values come last (the Due sort: nothing due)."""
        return queries.NULLS_LAST.get(self.sort, ())


def queue_view(request: HttpRequest, names: labels.Labels) -> QueueView:
    _teams_from_labels(request, names)  # the policy's and the queues' teams
    default_queue = "mine" if agent_of(request.user) is not None else "all"
    form = f.QueueFilterForm(request.GET or None, labels=names)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    name = data.get("queue") or request.GET.get("queue") or default_queue
    if name not in queries.QUEUES:
        name = default_queue
    sort = data.get("sort") or "newest"
    tickets = queries.filter_tickets(queries.queue(request.user, name), data, user=request.user)
    if sort == "priority":
        tickets = queries.with_priority_rank(tickets)
    return QueueView(form, name, tickets, queries.SORTS[sort], data.get("size") or 25, sort)


@require_GET
@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request.user)
    names = labels.labels()
    view = queue_view(request, names)
    form, name, sort = view.form, view.name, view.sort
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = keyset_page(
        queries.queue_page_rows(view.tickets),
        order=view.order,
        cursor=request.GET.get("after"),
        size=view.size,
        nulls_last=view.nulls_last,
    )
    if not all(queries.labelled(t, names) for t in page.rows):
        names = labels.labels(fresh=True)  # a row names a team (or agent ...) created meanwhile
    params = request.GET.copy()
    params.pop("after", None)
    params["queue"] = name
    by_due = params.copy()
    by_due["sort"] = "due"
    next_url = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_url = "?" + params.urlencode()
        params.pop("after")
    context = {
        "nav": "queue",
        "form": form,
        # Called by the template, so an htmx request for the results alone skips it.
        "filter_fields": partial(present.filter_fields, form, names),
        "queue_name": name,
        "queues": [
            (key, label, "?" + urlencode({"queue": key}))
            for key, label in f.QUEUE_CHOICES
            if key != "all" or queries.is_supervisor(request.user)
        ],
        "page": page,
        "rows": present.queue_rows(page.rows, names, due=queue_due(page.rows, ctx=names.sla)),
        "sort": sort,
        "due_sort_url": "?" + by_due.urlencode(),
        "requester_filter": _requester_filter(request.user, data.get("requester")),
        "first_url": "?" + params.urlencode(),
        "next_url": next_url,
        "bulk_widgets": present.bulk_widgets(names),
        # Read when the template asks (once: a queryset keeps its rows), so the htmx results
        # alone, which do not show them, skip the query.
        "saved_filters": SavedFilter.objects.filter(agent=agent) if agent else [],
        "current_query": params.urlencode(),
        "status_choices": f.DIRECT_STATUS_CHOICES,
        "agent": agent,
    }
    return render_page(request, "desk/queue.html", context, partial="results")


def _requester_filter(user: Any, pk: int | None) -> Requester | None:
    """The requester the queue is narrowed to (a link from the requester panel), to name it:
    looked up through the one policy, like every requester the console shows."""
    if pk is None:
        return None
    return requesters_visible_to(user).filter(pk=pk).only("name").first()


@require_POST
@agent_required
def away(request: HttpRequest) -> HttpResponse:
    """An agent marks themself away (routing then skips them) or back."""
    agent = agent_of(request.user)
    if agent is None:
        raise Http404
    is_away = request.POST.get("away") == "1"
    set_away(agent=agent, by=request.user, away=is_away)
    if is_away:
        messages.success(request, _("You are away: new tickets are not routed to you."))
    else:
        messages.success(request, _("Welcome back: new tickets can be routed to you again."))
    return redirect("desk:queue")


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    ids = [pk for v in request.POST.getlist("tickets") if (pk := parse_id(v)) is not None]
    form = f.BulkForm(request.POST, ticket_ids=ids)
    back = request.POST.get("next") or reverse("desk:queue")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("desk:queue")
    if not form.is_valid():
        messages.error(request, _("Choose at least one ticket and an action."))
        return redirect(back)
    data = form.cleaned_data
    done, refused = 0, []
    for pk in data["tickets"]:
        try:
            ticket = access_ticket(request.user, pk)
            if data["operation"] == "assign":
                actions.assign_ticket(ticket=ticket, by=request.user, assignee=data["assignee"])
            elif data["operation"] == "status":
                actions.change_status(ticket=ticket, by=request.user, to=data["status"])
            else:
                actions.update_ticket_fields(
                    ticket=ticket, by=request.user, priority=data["priority"]
                )
            done += 1
        except DomainError as error:
            refused.append(f"#{pk}: {error.message}")
    if done:
        messages.success(request, _("%(n)d tickets updated.") % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect(back)


@require_POST
@agent_required
def save_filter(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        saved = desk_actions.save_filter(
            by=request.user, name=request.POST.get("name", ""), query=query
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("desk:queue") + "?" + query.lstrip("?"))
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(reverse("desk:queue") + "?" + saved.query)


@require_POST
@agent_required
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        desk_actions.delete_filter(by=request.user, filter_id=pk)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("Filter deleted."))
    return redirect("desk:queue")
