"""Major-incident pages: the console's list, declaration and incident page (update everyone,
link in bulk from search or suggestions, resolve), and the portal's "this affects me too"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.core.errors import DomainError, NotFound
from escala.tickets.permissions import access_ticket

from . import forms as f
from . import major_incidents as mi
from . import queries
from .choices import MajorIncidentStatus
from .models import MajorIncident, MajorIncidentTicket
from .views import staff_required


def _incident(pk: int) -> MajorIncident:
    found = MajorIncident.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(_("Major incident not found."))
    return found


@require_GET
@staff_required
def major_list(request: HttpRequest) -> HttpResponse:
    incidents = list(MajorIncident.objects.order_by("status", "-declared_at")[:100])
    counts = dict(
        MajorIncidentTicket.objects.filter(major_incident__in=incidents)
        .values_list("major_incident")
        .annotate(n=Count("id"))
    )
    for incident in incidents:
        incident.ticket_count = counts.get(incident.pk, 0)
    return render(request, "problems/major_list.html", {"incidents": incidents, "nav": "problems"})


@require_http_methods(["GET", "POST"])
@staff_required
def major_new(request: HttpRequest) -> HttpResponse:
    source = None
    raw = request.GET.get("ticket") or request.POST.get("ticket") or ""
    if raw.isdigit():
        try:
            source = access_ticket(request.user, int(raw))
        except NotFound:
            source = None
    initial = {"title_es": source.subject[:200]} if source is not None else {}
    form = f.DeclareForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = mi.declare_major_incident(
                by=request.user,
                title_es=data["title_es"],
                title_en=data["title_en"],
                description=data["description"],
                show_in_portal=data["show_in_portal"],
                from_ticket=source,
            )
        except DomainError as refused:
            field = refused.field if refused.field in form.fields else None
            form.add_error(field, refused.message)
        else:
            messages.success(
                request, _("Major incident %(ref)s declared.") % {"ref": incident.reference}
            )
            return redirect("problems:major_detail", incident.pk)
    return render(
        request,
        "problems/major_new.html",
        {"form": form, "source": source, "nav": "problems"},
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest, incident: MajorIncident, *, update=None, resolve=None, status: int = 200
) -> HttpResponse:  # noqa: ANN001
    query = request.GET.get("q", "").strip()[:200]
    links = list(
        incident.links.select_related("ticket__requester", "ticket__tier").order_by("linked_at")
    )
    candidates = (
        queries.related_to_major_incident(request.user, incident, query=query)
        if incident.is_active
        else []
    )
    context = {
        "incident": incident,
        "links": links,
        "updates": list(incident.updates.order_by("-created_at", "-id")),
        "events": list(incident.events.all()),
        "subscriber_count": incident.subscribers.count(),
        "candidates": candidates,
        "query": query,
        "update_form": update or f.UpdateForm(),
        "resolve_form": resolve or f.ResolveForm(),
        "nav": "problems",
    }
    return render(request, "problems/major_detail.html", context, status=status)


@require_GET
@staff_required
def major_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _incident(pk))


def _reach_message(request: HttpRequest, reach: mi.Reach) -> None:
    messages.success(
        request,
        _("Sent to %(tickets)d linked tickets and %(subscribers)d subscribers.")
        % {"tickets": reach.tickets, "subscribers": reach.subscribers},
    )
    if reach.missed:
        messages.warning(
            request,
            _("Not reached (you cannot work them, or they refused): %(refs)s")
            % {"refs": ", ".join(reach.missed[:20])},
        )


def _announce(request: HttpRequest, pk: int, form, post, slot: str) -> HttpResponse:  # noqa: ANN001
    """An update or the resolution: one action reaching everyone, its reach as a message."""
    incident = _incident(pk)
    if form.is_valid():
        try:
            reach = post(incident=incident, by=request.user, **form.cleaned_data)
        except DomainError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            _reach_message(request, reach)
            return redirect("problems:major_detail", incident.pk)
    return _detail(request, incident, status=400, **{slot: form})


@require_POST
@staff_required
def major_update(request: HttpRequest, pk: int) -> HttpResponse:
    form = f.UpdateForm(request.POST)
    return _announce(request, pk, form, mi.post_major_incident_update, "update")


@require_POST
@staff_required
def major_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    form = f.ResolveForm(request.POST)
    return _announce(request, pk, form, mi.resolve_major_incident, "resolve")


@require_POST
@staff_required
def major_link(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = f.BulkLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one ticket to link."))
        return redirect("problems:major_detail", incident.pk)
    try:
        made = mi.link_to_major_incident(
            incident=incident, tickets=form.cleaned_data["tickets"], by=request.user
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("%(n)d tickets linked.") % {"n": len(made)})
    return redirect("problems:major_detail", incident.pk)


@require_POST
@staff_required
def major_link_ticket(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    incident = _incident(pk)
    try:
        mi.link_to_major_incident(incident=incident, tickets=[ticket_pk], by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Linked to %(ref)s.") % {"ref": incident.reference})
    return redirect("desk:ticket", ticket_pk)


@require_POST
@login_required
def affects_me(request: HttpRequest, pk: int) -> HttpResponse:
    """The portal banner's button."""
    incident = MajorIncident.objects.filter(pk=pk, status=MajorIncidentStatus.ACTIVE).first()
    if incident is None:
        raise Http404
    try:
        mi.subscribe(incident=incident, by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Thank you: we know it affects you too and will keep you informed by mail."),
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
