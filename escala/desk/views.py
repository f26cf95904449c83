"""The agent console: the ticket page and its actions, new tickets taken by phone (the queues:
queue_views).

An adapter only: each POST turns a form into one call of an action in escala.tickets.actions and
shows a refusal (DomainError) next to the field it concerns. One view serves each page and, for
htmx, the named partial of it that changed.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.automation.actions import apply_macro
from escala.core.errors import DomainError, NotFound, StaleObject
from escala.core.htmx import render_page, wants_fragment
from escala.people.actions import create_requester
from escala.people.models import Requester
from escala.people.queries import agent_of, is_admin
from escala.sla.queries import clocks_for, explain_clock
from escala.tickets import actions, events
from escala.tickets.choices import Channel, Status
from escala.tickets.models import Ticket, format_reference
from escala.tickets.permissions import access_ticket
from escala.tickets.references import parse_reference

from . import actions as desk_actions
from . import forms as f
from . import fragments, labels, live, presence, queries

# --- Access ------------------------------------------------------------------------------------


def agent_required(view: Callable) -> Callable:
    """Agents and administrators only; a requester who wanders here is sent to the portal."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if agent_of(request.user) is None and not is_admin(request.user):
            if request.method == "GET":
                return redirect("portal:home")
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _teams_from_labels(request: HttpRequest, names: labels.Labels) -> None:
    """The labels' copy of the agent's teams saves the policy its own query (the stamp covers
    team memberships)."""
    agent = agent_of(request.user)
    if agent is not None and (teams := names.agent_teams.get(agent.pk)):
        agent._team_and_tier_ids = teams  # type: ignore[attr-defined] - people.queries' memo


def _load(request: HttpRequest, pk: int, names: labels.Labels | None = None) -> Ticket:
    """The ticket, through the one policy. `names`: the labels already read (their copy of the
    agent's teams)."""
    try:
        if names is None:
            return queries.ticket_for_desk(request.user, pk)
        _teams_from_labels(request, names)
        return queries.ticket_for_page(request.user, pk, names)
    except NotFound:
        raise Http404(_("Ticket not found.")) from None


# --- The ticket page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type
    run: Callable[[HttpRequest, Ticket, dict[str, Any], Any], Any]
    done: Any  # a lazy message, or one chosen from the form's cleaned data


def _composer(request: HttpRequest, ticket: Ticket, data: dict[str, Any], form: Any) -> None:
    desk_actions.send_from_composer(
        ticket=ticket.pk,
        by=request.user,
        kind=data["kind"],
        body=data["body"],
        then=data.get("then") or desk_actions.THEN_SEND,
        attachments=data["attachments"],
        time_spent=form.time_spent_delta(),
        summary=data.get("summary") or "",
        macro=data.get("macro"),
        expected_version=data["version"],
    )
    presence.sent(ticket.pk, user_id=request.user.pk)


SENT = {
    desk_actions.THEN_SEND: gettext_lazy("Your message was added."),
    desk_actions.THEN_PENDING: gettext_lazy("Sent. The ticket now waits for the requester."),
    desk_actions.THEN_RESOLVE: gettext_lazy("Sent. The ticket is resolved."),
}


def _target(data: dict[str, Any], request: HttpRequest) -> Ticket:
    pk = parse_reference(data["target"])
    if pk is None:
        raise DomainError(
            _("Write a ticket reference such as %(example)s.") % {"example": format_reference(123)},
            field="target",
        )
    try:
        return access_ticket(request.user, pk)
    except NotFound:
        raise DomainError(_("There is no such ticket."), field="target") from None


def _v(data: dict[str, Any]) -> int:
    return data["version"]


ACTIONS: dict[str, Action] = {
    "compose": Action(
        f.ComposerForm, _composer, lambda d: SENT.get(d.get("then") or "send", SENT["send"])
    ),
    "claim": Action(
        f.ClaimForm,
        lambda r, t, d, _f: actions.claim_ticket(ticket=t.pk, by=r.user, expected_version=_v(d)),
        gettext_lazy("The ticket is yours."),
    ),
    "assign": Action(
        f.AssignForm,
        lambda r, t, d, _f: actions.assign_ticket(
            ticket=t.pk, by=r.user, assignee=d["assignee"], expected_version=_v(d)
        ),
        gettext_lazy("Assignment saved."),
    ),
    "status": Action(
        f.StatusForm,
        lambda r, t, d, _f: actions.change_status(
            ticket=t.pk, by=r.user, to=d["status"], reason=d["reason"], expected_version=_v(d)
        ),
        gettext_lazy("Status changed."),
    ),
    "fields": Action(
        f.FieldsForm,
        lambda r, t, d, _f: actions.update_ticket_fields(
            ticket=t.pk,
            by=r.user,
            priority=d["priority"],
            category=d["category"],
            expected_version=_v(d),
        ),
        gettext_lazy("Ticket details saved."),
    ),
    "escalate": Action(
        f.EscalateForm,
        lambda r, t, d, _f: actions.escalate_ticket(
            ticket=t.pk,
            by=r.user,
            reason=d["reason"],
            handover=d["handover"],
            to_tier=d["to_tier"],
            to_team=d["to_team"],
            expected_version=_v(d),
        ),
        gettext_lazy("The ticket was escalated."),
    ),
    "deescalate": Action(
        f.DeEscalateForm,
        lambda r, t, d, _f: actions.de_escalate_ticket(
            ticket=t.pk,
            by=r.user,
            note=d["note"],
            to_tier=d["to_tier"],
            to_team=d["to_team"],
            expected_version=_v(d),
        ),
        gettext_lazy("The ticket was sent back down."),
    ),
    "refer": Action(
        f.ReferForm,
        lambda r, t, d, _f: actions.refer_to_vendor(
            ticket=t.pk,
            by=r.user,
            vendor=d["vendor"],
            reason=d["reason"],
            case_number=d["case_number"],
            contact=d["contact"],
            expected_version=_v(d),
        ),
        gettext_lazy("The ticket was referred to the vendor."),
    ),
    "casenumber": Action(
        f.CaseNumberForm,
        lambda r, t, d, _f: actions.set_vendor_case_number(
            ticket=t.pk, by=r.user, case_number=d["case_number"], expected_version=_v(d)
        ),
        gettext_lazy("Vendor case number saved."),
    ),
    "vendormail": Action(
        f.VendorMailForm,
        lambda r, t, d, _f: _email_vendor(r, t, d),
        gettext_lazy("The mail to the vendor is on its way."),
    ),
    "resolve": Action(
        f.ResolveForm,
        lambda r, t, d, _f: actions.resolve_ticket(
            ticket=t.pk, by=r.user, summary=d["summary"], expected_version=_v(d)
        ),
        gettext_lazy("The ticket is resolved."),
    ),
    "reopen": Action(
        f.ReasonForm,
        lambda r, t, d, _f: actions.reopen_ticket(
            ticket=t.pk, by=r.user, reason=d["reason"], expected_version=_v(d)
        ),
        gettext_lazy("The ticket was reopened."),
    ),
    "close": Action(
        f.CloseForm,
        lambda r, t, d, _f: actions.close_ticket(
            ticket=t.pk, by=r.user, reason=d["reason"], expected_version=_v(d)
        ),
        gettext_lazy("The ticket is closed."),
    ),
    "macro": Action(
        f.MacroForm,
        lambda r, t, d, _f: _macro(r, t, d),
        gettext_lazy("The macro was applied."),
    ),
    "merge": Action(
        f.MergeForm,
        lambda r, t, d, _f: _merge(r, t, d),
        gettext_lazy("The tickets were merged."),
    ),
    "link": Action(
        f.LinkForm,
        lambda r, t, d, _f: _link(r, t, d),
        gettext_lazy("The tickets are linked."),
    ),
}


def _fresh(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    if ticket.version != data["version"]:
        raise StaleObject(
            _(
                "This ticket was changed by someone else while you were working on it. "
                "Reload it to see the change, then try again."
            )
        )


def _email_vendor(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> object:
    from escala.mail.outbound import email_vendor  # the mail app sends it, from its outbox

    return email_vendor(ticket=ticket.pk, by=request.user, body=data["body"])


def _merge(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> Ticket:
    _fresh(request, ticket, data)
    target = _target(data, request)
    return actions.merge_tickets(
        source=ticket.pk, target=target.pk, by=request.user, reason=data["reason"]
    )


def _macro(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> Any:
    _fresh(request, ticket, data)
    return apply_macro(ticket=ticket.pk, macro=data["macro"], by=request.user)


def _link(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> Any:
    _fresh(request, ticket, data)
    target = _target(data, request)
    return actions.link_tickets(
        source=ticket.pk, target=target.pk, by=request.user, kind=data["kind"]
    )


def _context(
    request: HttpRequest,
    ticket: Ticket,
    bound: dict[str, Any] | None = None,
    names: labels.Labels | None = None,
) -> dict:
    """What the ticket page shows. The configuration (labels, SLA, macros, who may hold the
    ticket) comes from desk.labels' copy in memory, so the page costs the same few queries
    whatever the thread, the forms or the clocks (tests/desk/test_ticket_page.py counts them)."""
    names = names or labels.labels()
    page = queries.ticket_page(ticket, names)
    agent = agent_of(request.user)
    stays = page.stays
    current = next((s for s in stays if s.left_at is None), None)
    # Presence lives in the cache (desk/presence.py): marking it costs the page no query.
    marks = presence.marks_of(ticket.pk)
    presence.mark(ticket.pk, user_id=request.user.pk, name=_display(request), marks=marks)
    return {
        "ticket": ticket,
        "page": page,
        "forms": fragments.ActionForms(ticket, names, bound or {}),
        "open_action": next(iter(bound), None) if bound else None,
        "is_mine": agent is not None and ticket.assignee_id == agent.pk,
        # The assignee's name from the labels (the page's ticket does not join the agents).
        "assignee_name": _assignee_name(ticket, names),
        "can_claim": agent is not None and ticket.is_open and ticket.assignee_id is None,
        "current_stay": current,
        "others": (others := presence.others(ticket.pk, user_id=request.user.pk, marks=marks)),
        "presence_stamp": presence.signature(others),
        "is_resolved": ticket.status == Status.RESOLVED,
        "open_vendor_case": next((c for c in page.vendor_cases if c.status == "open"), None),
        "has_macros": ticket.is_open and names.has_macros,
        "max_attachment_bytes": settings.ESCALA_MAX_ATTACHMENT_BYTES,
        # The history is loaded already, the configuration is in memory: no query of their own.
        "clocks": clocks_for(ticket, events=page.events, with_timeline=False, ctx=names.sla),
    }


def _assignee_name(ticket: Ticket, names: labels.Labels) -> str:
    if ticket.assignee_id is None:
        return ""
    if (name := names.agents.get(ticket.assignee_id)) is not None:
        return name
    return ticket.assignee.display_name  # an agent added since the labels were read


def _display(request: HttpRequest) -> str:
    return request.user.get_full_name() or request.user.get_username()


@require_GET
@agent_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stamp = live.ticket_stamp(pk)  # read before the ticket: a change in between shows next poll
    names = labels.labels()
    ticket = _load(request, pk, names)
    context = _context(request, ticket, names=names) | {"live_stamp": stamp}
    return render_page(request, "desk/ticket.html", context, partial="ticket")


@require_POST
@agent_required
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = _load(request, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    kwargs: dict[str, Any] = {"ticket": ticket, "prefix": action}
    if action == "assign":
        kwargs["agents"] = queries.agents_for(ticket)
    form = spec.form(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        if action == "compose" and not wants_fragment(request):
            events.relay_on_next_request()  # a redirect: the ticket page relays (0021)
        try:
            result = spec.run(request, ticket, form.cleaned_data, form)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            done = spec.done(form.cleaned_data) if callable(spec.done) else spec.done
            messages.success(request, done)
            if action == "merge" and isinstance(result, Ticket):
                return _after_action(request, result.pk)
            return _after_action(request, ticket.pk)
    ticket = _load(request, pk)
    return render_page(
        request, "desk/ticket.html", _context(request, ticket, {action: form}), partial="ticket"
    )


def _after_action(request: HttpRequest, pk: int) -> HttpResponse:
    if wants_fragment(request):
        try:
            ticket = _load(request, pk)
        except Http404:
            # The agent gave the ticket away beyond their sight (e.g. escalated it).
            response = HttpResponse(status=204)
            response.headers["HX-Redirect"] = reverse("desk:queue")
            return response
        response = render(request, "desk/ticket.html#ticket", _context(request, ticket))
        response.headers["HX-Push-Url"] = reverse("desk:ticket", args=[pk])
        return response
    try:
        access_ticket(request.user, pk)
    except NotFound:
        return redirect("desk:queue")
    return redirect("desk:ticket", pk=pk)


@require_GET
@agent_required
def clock_explain(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One clock's timeline: a page of its own, or (htmx) the panel under the clock."""
    ticket = _load(request, pk)
    explanation = explain_clock(ticket, kind)
    if explanation is None:
        raise Http404(_("This ticket has no such clock."))
    return render_page(
        request,
        "desk/clock_explain.html",
        {"ticket": ticket, "explanation": explanation, "clock": explanation.panel},
        partial="explain",
    )


# --- New ticket on behalf of a caller ----------------------------------------------------------


def _matches(text: str) -> Any:
    text = text.strip()
    if len(text) < 2:
        return Requester.objects.none()
    return Requester.objects.filter(
        Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__icontains=text)
    ).select_related("organization")[:10]


@require_http_methods(["GET", "POST"])
@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    lookup = (request.POST.get("lookup") or request.GET.get("lookup") or "").strip()
    matches = list(_matches(lookup))
    if request.method == "POST" and "search" not in request.POST:
        form = f.NewTicketForm(request.POST, request.FILES)
        if form.is_valid():
            # Answered with a redirect to the ticket, whose page relays what the worker has not
            # (docs/decisions/0021): routing, clocks and the receipt leave the request.
            events.relay_on_next_request()
            ticket = _file_for_caller(request, form)
            if ticket is not None:
                messages.success(request, _("Ticket %(ref)s created.") % {"ref": ticket.reference})
                return redirect("desk:ticket", pk=ticket.pk)
        chosen = form.cleaned_data.get("requester") if hasattr(form, "cleaned_data") else None
        if chosen is not None and chosen not in matches:
            matches.insert(0, chosen)
    else:
        form = f.NewTicketForm(initial={"lookup": lookup}, data=None)
    context = {"form": form, "matches": matches, "lookup": lookup, "nav": "new"}
    return render_page(request, "desk/new_ticket.html", context, partial="matches")


def _take_the_call(request: HttpRequest, ticket: Ticket) -> None:
    """The agent who took the call keeps the ticket, when it is theirs to work (a call about a
    Level 2 matter goes to that level's queue instead)."""
    # The ticket this request has just created: not locked and read again (nor a savepoint:
    # a refusal writes nothing).
    with contextlib.suppress(DomainError):
        actions.claim_new_ticket(ticket=ticket, by=request.user)


def _file_for_caller(request: HttpRequest, form: f.NewTicketForm) -> Ticket | None:
    data = form.cleaned_data
    creating = data.get("requester") is None
    try:
        with transaction.atomic():
            requester = data.get("requester")
            if requester is None:
                requester = create_requester(
                    by=request.user,
                    name=data["new_name"],
                    email=data["new_email"],
                    phone=data["new_phone"],
                    organization=data["new_organization"],
                    kind=data["new_kind"] or "customer",
                    language=(request.LANGUAGE_CODE or "es")[:2],
                )
            creating = False
            minutes = data.get("time_spent")
            ticket = actions.create_ticket(
                requester=requester,
                subject=data["subject"],
                body=data["body"],
                channel=data["channel"],
                by=request.user,
                category=data["category"],
                impact=data["impact"],
                urgency=data["urgency"],
                attachments=data["attachments"],
                time_spent=timedelta(minutes=minutes) if minutes else None,
            )
            if data["channel"] == Channel.PHONE:
                _take_the_call(request, ticket)
            return ticket
    except DomainError as error:
        form.add_domain_error(error, creating_requester=creating)
        return None
