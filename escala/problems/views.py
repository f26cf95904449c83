"""Problem pages in the console (/desk/problems/): the queues, a problem with its incidents and
history, and the known-error panel the ticket page loads. An adapter: each POST is one action."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.core.errors import DomainError, NotFound
from escala.tickets.models import Ticket, VendorCase
from escala.tickets.permissions import access_ticket, is_staff_member, tickets_visible_to

from . import actions, queries
from . import forms as f
from .models import ProblemTicket
from .permissions import access_problem, can_manage

QUEUE_LABELS = {
    "mine": gettext_lazy("My levels"),
    "open": gettext_lazy("All open"),
    "known_errors": gettext_lazy("Known errors"),
    "done": gettext_lazy("Resolved and closed"),
}


def tabs() -> list[tuple[str, str, str]]:
    return [(key, QUEUE_LABELS[key], f"?queue={key}") for key in queries.QUEUES]


def staff_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            if request.method == "GET":
                return redirect("portal:home")
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _problem(request: HttpRequest, pk: int):  # noqa: ANN202
    try:
        return access_problem(request.user, pk)
    except NotFound:
        raise Http404(_("Problem not found.")) from None


@require_GET
@staff_required
def problem_list(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("queue", "mine")
    if name not in queries.QUEUES:
        name = "mine"
    problems = list(queries.problem_queue(request.user, name)[:200])
    return render(
        request,
        "problems/list.html",
        {"problems": problems, "queue_name": name, "tabs": tabs(), "nav": "problems"},
    )


def _tickets_for(user: Any, ids: list[int]) -> list[Ticket]:
    """The tickets the ids name, each one the user may see; an unknown one is a field error."""
    found = tickets_visible_to(user).in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(
            _("No ticket %(numbers)s that you can see.")
            % {"numbers": ", ".join(str(i) for i in missing[:5])},
            field="tickets",
        )
    return [found[i] for i in ids]


@require_http_methods(["GET", "POST"])
@staff_required
def problem_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    source = request.GET.get("ticket", "")
    if source.isdigit():
        try:
            ticket = access_ticket(request.user, int(source))
            initial = {"title": ticket.subject[:200], "tickets": ticket.reference}
        except NotFound:
            pass
    form = f.NewProblemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = actions.open_problem(
                by=request.user,
                title=data["title"],
                description=data["description"],
                owner_tier=data["owner_tier"],
                owner_team=data["owner_team"],
                tickets=_tickets_for(request.user, data["tickets"]),
            )
        except DomainError as refused:
            form.add_domain_error(refused)
        else:
            messages.success(request, _("Problem %(ref)s opened.") % {"ref": problem.reference})
            return redirect("problems:detail", problem.pk)
    return render(
        request,
        "problems/new.html",
        {"form": form, "nav": "problems"},
        status=400 if form.errors else 200,
    )


def _forms(problem, data=None, which: str = "") -> dict[str, Any]:  # noqa: ANN001
    def bound(name: str) -> Any:
        return data if which == name else None

    return {
        "root_cause": f.RootCauseForm(
            bound("root_cause"), problem=problem, initial={"root_cause": problem.root_cause}
        ),
        "workaround": f.WorkaroundForm(
            bound("workaround"),
            problem=problem,
            initial={
                "workaround_es": problem.workaround_es,
                "workaround_en": problem.workaround_en,
            },
        ),
        "status": f.StatusForm(
            bound("status"), problem=problem, initial={"status": problem.status}
        ),
        "link": f.LinkForm(bound("link")),
        "assign": f.AssignForm(bound("assign"), initial={"assignee": problem.assignee_id}),
        "vendor_case": f.VendorCaseForm(
            bound("vendor_case"),
            initial={"vendor_case": problem.vendor_case.ticket_id if problem.vendor_case else None},
        ),
    }


def _detail(request: HttpRequest, problem, forms: dict, open_form: str = "", status: int = 200):  # noqa: ANN001
    links = (
        ProblemTicket.objects.filter(problem=problem)
        .select_related("ticket__requester", "ticket__tier")
        .order_by("linked_at", "id")
    )
    context = {
        "problem": problem,
        "links": list(links),
        "events": list(problem.events.all()),
        "forms": forms,
        "open_form": open_form,
        "manage": can_manage(request.user, problem),
        "nav": "problems",
    }
    return render(request, "problems/detail.html", context, status=status)


@require_GET
@staff_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    return _detail(request, problem, _forms(problem))


def _do(name: str, request: HttpRequest, problem, form) -> None:  # noqa: ANN001, C901
    data = form.cleaned_data
    version = data.get("version")
    if name == "root_cause":
        actions.record_root_cause(
            problem=problem,
            by=request.user,
            root_cause=data["root_cause"],
            expected_version=version,
        )
    elif name == "workaround":
        actions.publish_workaround(
            problem=problem,
            by=request.user,
            workaround_es=data["workaround_es"],
            workaround_en=data["workaround_en"],
            public=data["public"],
            expected_version=version,
        )
    elif name == "status":
        actions.change_problem_status(
            problem=problem,
            by=request.user,
            to=data["status"],
            reason=data["reason"],
            expected_version=version,
        )
    elif name == "link":
        actions.link_tickets(
            problem=problem, by=request.user, tickets=_tickets_for(request.user, data["tickets"])
        )
    elif name == "assign":
        actions.assign_problem(problem=problem, by=request.user, assignee=data["assignee"])
    elif name == "vendor_case":
        case = None
        if data["vendor_case"]:
            ticket = _tickets_for(request.user, [data["vendor_case"]])[0]
            case = VendorCase.objects.filter(ticket=ticket).order_by("-opened_at").first()
            if case is None:
                raise DomainError(
                    _("%(ticket)s was never referred to a vendor.") % {"ticket": ticket.reference},
                    field="vendor_case",
                )
        actions.link_vendor_case(problem=problem, by=request.user, vendor_case=case)


DONE = {
    "root_cause": gettext_lazy("Root cause recorded."),
    "workaround": gettext_lazy("Workaround published: Level 1 sees it on matching tickets."),
    "status": gettext_lazy("Status changed."),
    "link": gettext_lazy("Incidents linked."),
    "assign": gettext_lazy("Engineer assigned."),
    "vendor_case": gettext_lazy("Vendor case linked."),
}


@require_POST
@staff_required
def problem_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    problem = _problem(request, pk)
    if action not in DONE:
        raise Http404
    forms = _forms(problem, request.POST, action)
    form = forms[action]
    if form.is_valid():
        try:
            _do(action, request, problem, form)
        except DomainError as refused:
            form.add_domain_error(refused)
        else:
            messages.success(request, DONE[action])
            return redirect("problems:detail", problem.pk)
    return _detail(request, problem, forms, open_form=action, status=400)


@require_POST
@staff_required
def unlink(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    try:
        actions.unlink_ticket(problem=problem, ticket=ticket_pk, by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Incident unlinked."))
    return redirect("problems:detail", problem.pk)


@require_GET
@staff_required
def ticket_panel(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """The ticket page's known-error box, loaded after the page (it costs a search)."""
    try:
        ticket = access_ticket(request.user, ticket_pk, related=("requester",))
    except NotFound:
        raise Http404 from None
    linked = queries.problem_of(ticket)
    matches = [] if linked is not None else queries.known_errors_for(request.user, ticket)
    major = getattr(ticket, "major_incident_link", None)
    return render(
        request,
        "problems/_ticket_panel.html",
        {
            "ticket": ticket,
            "linked": linked,
            "matches": matches,
            "major": major.major_incident if major is not None else None,
            "major_matches": []
            if major is not None
            else queries.major_incidents_for_ticket(request.user, ticket),
        },
    )


@require_POST
@staff_required
def answer(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    version = request.POST.get("version", "")
    try:
        actions.answer_with_workaround(
            problem=problem,
            ticket=ticket_pk,
            by=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Linked to %(ref)s and answered with its workaround.") % {"ref": problem.reference},
        )
    return redirect(reverse("desk:ticket", args=[ticket_pk]))


@require_POST
@staff_required
def link_from_ticket(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    try:
        actions.link_tickets(problem=problem, tickets=[ticket_pk], by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Linked to %(ref)s.") % {"ref": problem.reference})
    return redirect(reverse("desk:ticket", args=[ticket_pk]))
