"""The person's own account and security page, and the sign-in routes kept under Escala's names."""

from typing import Any
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from escala.core.errors import DomainError

from . import links, selfservice
from .adapter import profile_language, set_language_cookie
from .forms import ChoosePasswordForm, RegisterForm, SignInLinkForm


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Password, two-factor, passkeys and sessions at a glance, each a link to manage it."""
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    passkeys = Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.WEBAUTHN
    ).count()
    sessions = UserSession.objects.filter(user=request.user).count()
    return render(
        request,
        "accounts/security.html",
        {
            "totp_on": Authenticator.Type.TOTP in kinds,
            "recovery_on": Authenticator.Type.RECOVERY_CODES in kinds,
            "passkeys": passkeys,
            "sessions": sessions,
            "has_password": request.user.has_usable_password(),
        },
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/ is the same sign-in page as everyone's (rate limits, two-factor)."""
    if request.user.is_authenticated and not (request.user.is_active and request.user.is_staff):
        # Signed in, but not an admin: say so (sending them to sign in again would loop).
        return render(request, "accounts/admin_denied.html", status=403)
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


# --- Requesters on their own: the sign-in link and self-registration ----------------------------


def _add_domain_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link by mail (requesters who use only the portal)."""
    form = SignInLinkForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            selfservice.request_sign_in_link(request=request, email=form.cleaned_data["email"])
        except selfservice.TooManyRequests as refused:
            _add_domain_error(form, refused)
            status = 429
        except DomainError as refused:
            _add_domain_error(form, refused)
            status = 422
        else:
            return render(request, "accounts/link_sent.html", {"email": form.cleaned_data["email"]})
    elif form.errors:
        status = 422
    return render(request, "accounts/sign_in_link.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def link_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the mail. GET only shows a button (mail scanners follow links); POST signs
    in, once."""
    if request.method == "GET":
        return render(request, "accounts/link_confirm.html", {"token": token})
    try:
        selfservice.sign_in_with_link(request=request, token=token)
    except DomainError as refused:
        status = 429 if isinstance(refused, selfservice.TooManyRequests) else 400
        return render(
            request, "accounts/link_failed.html", {"message": refused.message}, status=status
        )
    response = redirect("portal:home")
    language = profile_language(request.user)
    if language:
        set_language_cookie(response, language)
    return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration: name and address; the address is checked by mail first."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegisterForm(
        request.POST or None, initial={"language": translation.get_language() or "es"}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            selfservice.request_registration(request=request, **form.cleaned_data)
        except selfservice.TooManyRequests as refused:
            _add_domain_error(form, refused)
            status = 429
        except DomainError as refused:
            _add_domain_error(form, refused)
            status = 422
        else:
            return render(request, "accounts/link_sent.html", {"email": form.cleaned_data["email"]})
    elif form.errors:
        status = 422
    return render(request, "accounts/register.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The address is verified: choose a password, and the account is made."""
    data = links.registration_for_token(token)
    if data is None:
        message = _("This link has expired. Register again to get a new one.")
        return render(request, "accounts/link_failed.html", {"message": message}, status=400)
    form = ChoosePasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            selfservice.complete_registration(
                request=request, token=token, password=form.cleaned_data["password1"]
            )
        except DomainError as refused:
            _add_domain_error(form, refused)
            status = 422
        else:
            response = redirect("portal:home")
            set_language_cookie(response, data["language"])
            return response
    elif form.errors:
        status = 422
    return render(
        request, "accounts/register_confirm.html", {"form": form, "data": data}, status=status
    )
