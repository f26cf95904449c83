"""The agents' mail quarantine (/desk/mail/): what could not be filed, why, and what to do; the
admins' mail alerts (/desk/mail/alerts/) and the addresses our mail bounces from.

An adapter: it only reads, and calls ingest's process/dismiss, alerts.resolve and bounces.clear
for every change."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from escala.core.errors import DomainError
from escala.people import access
from escala.people.queries import is_admin
from escala.tickets.permissions import tickets_visible_to

from . import alerts, authn, bounces, ingest, rawstore
from .choices import InboundStatus, Outcome
from .models import BouncedAddress, InboundMail

log = logging.getLogger(__name__)

DUPLICATES = "duplicates"  # the listing of mail delivered more than once
LIST_FIELDS = [
    "id", "sender", "subject", "received_at", "status", "outcome", "reason", "size",
    "duplicate_count", "last_duplicate_at",
]  # fmt: skip


def _require_agent(request: HttpRequest) -> None:
    if not access.may_handle_mail(request.user):
        raise PermissionDenied


def _mail_for(request: HttpRequest, mail_id: int) -> InboundMail:
    mail = InboundMail.objects.select_related("ticket", "mailbox").filter(pk=mail_id).first()
    if mail is None:
        raise Http404
    # Filed mail is as private as its ticket; quarantined mail is every agent's to sort out.
    if mail.ticket_id and not tickets_visible_to(request.user).filter(pk=mail.ticket_id).exists():
        raise Http404
    return mail


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    status = request.GET.get("status", InboundStatus.QUARANTINED)
    if status not in (InboundStatus.QUARANTINED, InboundStatus.IGNORED, DUPLICATES):
        status = InboundStatus.QUARANTINED
    if status == DUPLICATES:
        # Mail delivered more than once, whatever became of it (filed mail: if its ticket is
        # visible to this agent).
        visible = Q(ticket__isnull=True) | Q(ticket__in=tickets_visible_to(request.user))
        mails = InboundMail.objects.filter(visible, duplicate_count__gt=0).order_by(
            "-last_duplicate_at", "-id"
        )
    else:
        mails = InboundMail.objects.filter(status=status).order_by("-received_at")
    mails = mails.only(*LIST_FIELDS)
    page = Paginator(mails, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mail/desk/quarantine.html",
        {
            "page": page,
            "status": status,
            "statuses": InboundStatus,
            "nav": "mail",
            "can_see_alerts": is_admin(request.user),
        },
    )


@login_required
def detail(request: HttpRequest, mail_id: int) -> HttpResponse:
    _require_agent(request)
    mail = _mail_for(request, mail_id)
    return render(
        request,
        "mail/desk/detail.html",
        {
            "mail": mail,
            "verdict": authn.describe(mail.auth) if mail.auth_result else [],
            "may_release": mail.outcome == Outcome.UNVERIFIED_SENDER,
            "nav": "mail",
        },
    )


@login_required
def raw(request: HttpRequest, mail_id: int) -> HttpResponse:
    _require_agent(request)
    mail = _mail_for(request, mail_id)
    try:
        data = rawstore.read(mail)  # from the row or the raw-mail storage, SHA-256 checked
    except rawstore.Unavailable:
        log.exception("raw mail %s could not be read", mail.pk)
        return HttpResponse(
            _("The original of this mail cannot be read now. Try again later."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="mail-{mail.pk}.eml"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def act(request: HttpRequest, mail_id: int) -> HttpResponse:
    _require_agent(request)
    mail = _mail_for(request, mail_id)
    action = request.POST.get("action")
    if mail.status != InboundStatus.QUARANTINED:
        messages.error(request, _("This mail is no longer in quarantine."))
        return redirect("mail:detail", mail_id=mail.pk)
    if action == "retry":
        mail = ingest.process(mail.pk, force=True, by=request.user)
    elif action == "new_ticket":
        mail = ingest.process(mail.pk, force=True, as_new_ticket=True, by=request.user)
    elif action == "release" and mail.outcome == Outcome.UNVERIFIED_SENDER:
        try:
            mail = ingest.release(mail.pk, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("mail:detail", mail_id=mail.pk)
    elif action == "dismiss":
        mail = ingest.dismiss(mail.pk, by=request.user)
    else:
        messages.error(request, _("Unknown action."))
        return redirect("mail:detail", mail_id=mail.pk)
    if mail.status == InboundStatus.QUARANTINED:
        messages.error(request, _("Still in quarantine: %(reason)s") % {"reason": mail.reason})
    elif mail.ticket_id:
        messages.success(request, _("Filed on %(ticket)s.") % {"ticket": mail.ticket.reference})
    else:
        messages.success(request, _("Mail dismissed."))
    return redirect("mail:detail", mail_id=mail.pk)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """Admins: the limits that held automatic mail back, and the addresses that bounce."""
    if not is_admin(request.user):
        raise PermissionDenied
    return render(
        request,
        "mail/desk/alerts.html",
        {
            "alerts": alerts.open_alerts().select_related("last_mail")[:200],
            "bounced": BouncedAddress.objects.select_related("ticket")[:200],
            "nav": "mail",
        },
    )


@login_required
@require_POST
def resolve_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied
    if alerts.resolve(alert_id, by=request.user):
        messages.success(request, _("Alert marked as handled."))
    return redirect("mail:alerts")


@login_required
@require_POST
def clear_bounce(request: HttpRequest, bounce_id: int) -> HttpResponse:
    """An agent knows the address works again (the requester said so, or it was fixed)."""
    _require_agent(request)
    mark = BouncedAddress.objects.filter(pk=bounce_id).first()
    if mark is None:
        raise Http404
    bounces.clear([mark.address])
    messages.success(
        request, _("%(address)s is no longer marked as bouncing.") % {"address": mark.address}
    )
    back = request.POST.get("next", "")
    if back.startswith("/desk/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("mail:alerts")
