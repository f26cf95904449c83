"""The person's own account and security page, and the sign-in routes kept under Escala's names."""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
