"""The token page: create (shown once) and revoke personal access tokens. Self-contained.

Creating a token asks for the password (or the second factor) again, unless given in the last
few minutes (ACCOUNT_REAUTHENTICATION_TIMEOUT): a token outlives the session that made it."""

from datetime import timedelta

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from escala.core import clock
from escala.core.errors import DomainError
from escala.people import access
from escala.people.queries import is_admin

from . import tokens
from .models import ApiToken, Scope

EXPIRY_CHOICES = [("30", 30), ("90", 90), ("365", 365), ("", None)]


@login_required
@reauthentication_required(allow_get=True)
def tokens_page(request: HttpRequest) -> HttpResponse:
    created = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        days = request.POST.get("expires_days", "")
        try:
            expires = int(days) if days else None
            if expires is not None and not 1 <= expires <= 3650:
                raise ValueError(days)
        except ValueError:
            errors["expires_days"] = _("Choose a number of days between 1 and 3650.")
        else:
            try:
                _token, created = tokens.issue_token(
                    user=request.user,
                    by=request.user,
                    name=request.POST.get("name", ""),
                    scopes=request.POST.getlist("scopes"),
                    expires_at=clock.now() + timedelta(days=expires) if expires else None,
                )
            except DomainError as refused:
                errors[refused.field or "form"] = refused.message
    scopes = [(value, label) for value, label in Scope.choices]
    if not is_admin(request.user):
        scopes = [(v, label) for v, label in scopes if v != Scope.ADMIN]
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "created": created,
            "errors": errors,
            "scopes": scopes,
            "status": 422 if errors else 200,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        tokens.revoke_token(token_id=token_id, by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("api_tokens")


def _admin_only(request: HttpRequest) -> None:
    from django.http import Http404

    if not access.may_manage_settings(request.user):
        raise Http404


@login_required
def webhooks_page(request: HttpRequest) -> HttpResponse:
    """Administrators: subscriptions, their delivery log, and a test-send button."""
    from escala.webhooks import actions as webhooks
    from escala.webhooks.choices import WebhookEvent
    from escala.webhooks.models import Subscription

    _admin_only(request)
    errors: dict[str, str] = {}
    created = None
    if request.method == "POST":
        try:
            created = webhooks.subscribe(
                by=request.user,
                name=request.POST.get("name", ""),
                url=request.POST.get("url", ""),
                events=request.POST.getlist("events"),
                allow_private_network=request.POST.get("allow_private_network") == "on",
            )
        except DomainError as refused:
            errors[refused.field or "form"] = refused.message
    subscriptions = Subscription.objects.prefetch_related("deliveries__log")
    return render(
        request,
        "api/webhooks.html",
        {
            "subscriptions": subscriptions,
            "events": WebhookEvent.choices,
            "errors": errors,
            "created": created,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def webhook_test(request: HttpRequest, subscription_id: int) -> HttpResponse:
    from escala.webhooks import actions as webhooks

    _admin_only(request)
    try:
        delivery = webhooks.send_test_ping(by=request.user, subscription_id=subscription_id)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        if delivery.status == "delivered":
            messages.success(
                request,
                _("Test delivered: the target answered %(code)s.")
                % {"code": delivery.last_status_code},
            )
        else:
            messages.error(
                request,
                _("Test failed: %(why)s")
                % {"why": delivery.last_error or delivery.last_status_code},
            )
    return redirect("api_webhooks")


@login_required
@require_POST
def webhook_deactivate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    from escala.webhooks import actions as webhooks

    _admin_only(request)
    try:
        webhooks.unsubscribe(by=request.user, subscription_id=subscription_id)
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect("api_webhooks")
