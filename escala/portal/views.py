"""The requester portal: sign in, ask for help, follow one's requests in plain words.

An adapter only: every change is an action call; a requester sees only what
`tickets_visible_to` allows (another requester's ticket is a 404), and only the public thread.
"""

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.core.errors import DomainError, InvalidTransition, NotFound
from escala.core.htmx import render_page
from escala.core.paging import keyset_page
from escala.people.actions import set_preferred_language
from escala.people.queries import agent_of, is_admin, requester_of
from escala.surveys.queries import pending_survey_for, survey_url
from escala.tickets import actions, events
from escala.tickets.choices import OPEN_STATUSES, Channel, MessageKind, Status
from escala.tickets.models import Attachment, Ticket
from escala.tickets.permissions import access_ticket, tickets_visible_to
from escala.tickets.requester_fields import refused_fields

from .forms import CloseForm, ConfirmForm, ReopenForm, ReplyForm, RequestForm

# A request ("solicitud") in the requester's words; the context keeps these apart from the
# agents' ticket statuses, which other catalogues translate differently.
PLAIN_STATUS = {
    Status.NEW: pgettext_lazy("request status", "Received"),
    Status.OPEN: pgettext_lazy("request status", "In progress"),
    Status.PENDING_CUSTOMER: pgettext_lazy("request status", "Waiting for your answer"),
    Status.PENDING_VENDOR: pgettext_lazy("request status", "In progress"),
    Status.REOPENED: pgettext_lazy("request status", "Reopened"),
    Status.RESOLVED: pgettext_lazy("request status", "Resolved"),
    Status.CLOSED: pgettext_lazy("request status", "Closed"),
}


def where_is(ticket: Ticket) -> str:
    """Where the ticket is, in the requester's words ("with our Level 2 specialists")."""
    if ticket.status == Status.RESOLVED:
        return _("solved: tell us if it works for you")
    if ticket.status == Status.CLOSED:
        return pgettext("request status", "closed")
    if ticket.status == Status.PENDING_CUSTOMER:
        return _("waiting for your answer")
    if ticket.tier.is_external and not ticket.vendor_id:
        # Back from the vendor (e.g. reopened after their fix): the desk has it again.
        return _("with our support team")
    return ticket.tier.localized("portal_label") or ticket.tier.name


def _is_staff(user: Any) -> bool:
    return agent_of(user) is not None or is_admin(user)


# --- Sign in and language ----------------------------------------------------------------------


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it for this user's next sign-in."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        set_preferred_language(user=request.user, language=language)
    translation.activate(language)
    _set_language_cookie(response, language)
    return response


# --- Home and the request list -----------------------------------------------------------------


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if _is_staff(request.user):
        return redirect("desk:queue")
    requester = requester_of(request.user)
    show = request.GET.get("show", "open")
    tickets = tickets_visible_to(request.user).select_related("tier", "requester")
    if show == "done":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    else:
        show = "open"
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    page = keyset_page(
        tickets,
        order=[("created_at", True), ("id", True)],
        cursor=request.GET.get("after"),
        size=25,
    )
    rows = [(t, PLAIN_STATUS.get(t.status, ""), where_is(t)) for t in page.rows]
    context = {
        "nav": "home",
        "requester": requester,
        "rows": rows,
        "page": page,
        "show": show,
        "next_url": f"?show={show}&after={page.next_cursor}" if page.next_cursor else None,
    }
    return render_page(request, "portal/home.html", context, partial="list")


@require_http_methods(["GET", "POST"])
@login_required
def new_request(request: HttpRequest) -> HttpResponse:
    requester = requester_of(request.user)
    if requester is None:
        return redirect("desk:new_ticket" if _is_staff(request.user) else "portal:home")
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and _no_staff_fields(request, form):
        data = form.cleaned_data
        # Routing, clocks and the receipt follow in the worker; the ticket page this redirects
        # to relays whatever the worker has not done yet (docs/decisions/0021).
        events.relay_on_next_request()
        try:
            ticket = actions.create_ticket(
                requester=requester,
                subject=data["subject"],
                body=data["description"],
                channel=Channel.PORTAL,
                by=request.user,
                category=data["category"],
                attachments=data["attachments"],
            )
        except DomainError as error:
            field = {"body": "description"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Thank you. Your request %(ref)s was received.") % {"ref": ticket.reference},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render_page(
        request, "portal/new_request.html", {"form": form, "nav": "new"}, status=status
    )


def _no_staff_fields(request: HttpRequest, form: Any, prefix: str = "") -> bool:
    """The one requester-field policy: a posted field only the desk sets (impact, urgency,
    channel, team...) is refused at the top of the form, by name; nothing is filed."""
    posted = {name.removeprefix(prefix): request.POST.get(name) for name in request.POST}
    for name, errors in refused_fields(request.user, posted).items():
        for error in errors:
            form.add_error(None, f"{name}: {error}")
    return not form.errors


# --- One request ------------------------------------------------------------------------------


def _load(request: HttpRequest, pk: int) -> Ticket:
    try:
        ticket = access_ticket(request.user, pk)
    except NotFound:
        raise Http404(_("Request not found.")) from None
    return Ticket.objects.select_related("tier", "requester", "category", "merged_into").get(
        pk=ticket.pk
    )


def _ticket_context(request: HttpRequest, ticket: Ticket, bound: dict | None = None) -> dict:
    bound = bound or {}
    thread = list(
        ticket.messages.filter(kind=MessageKind.REPLY)
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    return {
        "ticket": ticket,
        "thread": thread,
        "plain_status": PLAIN_STATUS.get(ticket.status, ""),
        "where": where_is(ticket),
        "reply_form": bound.get("reply") or ReplyForm(ticket=ticket, prefix="reply"),
        "reopen_form": bound.get("reopen") or ReopenForm(ticket=ticket, prefix="reopen"),
        "close_form": bound.get("close") or CloseForm(ticket=ticket, prefix="close"),
        "confirm_form": bound.get("confirm") or ConfirmForm(ticket=ticket, prefix="confirm"),
        "open_action": next(iter(bound), None),
        "survey_link": survey_url(survey) if (survey := pending_survey_for(ticket)) else None,
    }


@require_GET
@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if _is_staff(request.user):
        return redirect("desk:ticket", pk=pk)
    ticket = _load(request, pk)
    return render_page(request, "portal/ticket.html", _ticket_context(request, ticket))


PORTAL_ACTIONS = {
    "reply": (ReplyForm, gettext_lazy("Your reply was sent.")),
    "reopen": (ReopenForm, gettext_lazy("Your request was reopened.")),
    "close": (CloseForm, gettext_lazy("Your request is closed. Thank you.")),
    "confirm": (ConfirmForm, gettext_lazy("Thank you for confirming that it is solved.")),
}


@require_POST
@login_required
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PORTAL_ACTIONS:
        raise Http404
    ticket = _load(request, pk)
    form_class, done = PORTAL_ACTIONS[action]
    form = form_class(request.POST, request.FILES, ticket=ticket, prefix=action)
    if form.is_valid() and _no_staff_fields(request, form, prefix=f"{action}-"):
        data = form.cleaned_data
        try:
            if action == "reply":
                events.relay_on_next_request()  # answered with a redirect to the ticket
                actions.add_reply(
                    ticket=ticket.pk,
                    by=request.user,
                    body=data["body"],
                    attachments=data["attachments"],
                    channel=Channel.PORTAL,
                    expected_version=data["version"],
                )
            elif action == "reopen":
                actions.reopen_ticket(
                    ticket=ticket.pk,
                    by=request.user,
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            else:  # close, or confirm a resolution (which closes it as it is)
                if action == "confirm" and ticket.status != Status.RESOLVED:
                    raise InvalidTransition(_("This request is not resolved yet."))
                closed = actions.close_ticket(
                    ticket=ticket.pk,
                    by=request.user,
                    reason=data.get("reason", ""),
                    expected_version=data["version"],
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, done)
            if action == "confirm" and (survey := pending_survey_for(closed)) is not None:
                return redirect(survey_url(survey))  # straight on to the survey
            return redirect("portal:ticket", pk=ticket.pk)
    ticket = _load(request, pk)
    return render_page(
        request, "portal/ticket.html", _ticket_context(request, ticket, {action: form})
    )


# --- Attachments ------------------------------------------------------------------------------


@require_GET
@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a file only to someone who may see its ticket (and, for a note's file, work it)."""
    try:
        item = Attachment.objects.select_related("message").get(pk=pk)
        access_ticket(request.user, item.message.ticket_id)
    except (Attachment.DoesNotExist, NotFound):
        raise Http404 from None
    if item.message.kind != MessageKind.REPLY and not _is_staff(request.user):
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = item.content_type or mimetypes.guess_type(item.filename)[0]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.filename,
        content_type=content_type or "application/octet-stream",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
