"""The admin's side of sign-in: the policy, self-registration domains, the sign-in log, and every
signed-in session, which an admin may end (one, or all of some people's)."""

from typing import Any

from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actions import end_sessions
from .models import SelfRegistration, SignInPolicy, SignInRecord


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    fields = ["require_two_factor_for_staff", "magic_link_enabled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        policy = SignInPolicy.current()
        return HttpResponseRedirect(reverse("admin:accounts_signinpolicy_change", args=[policy.pk]))


@admin.register(SelfRegistration)
class SelfRegistrationAdmin(admin.ModelAdmin):
    list_display = ["domain", "organization", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["domain", "organization__name"]
    autocomplete_fields = ["organization"]


@admin.register(SignInRecord)
class SignInRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "login", "user", "success", "method", "ip", "reason", "user_agent"]
    list_filter = ["success", "method", "at"]
    search_fields = ["login", "user__username", "user__email", "ip"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    actions = ["end_sessions_of_these_people"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("End all sessions of these people"))
    def end_sessions_of_these_people(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = get_user_model().objects.filter(pk__in=queryset.exclude(user=None).values("user"))
        _report(request, self, end_sessions(users=users, by=request.user))


def _report(request: HttpRequest, model_admin: admin.ModelAdmin, count: int) -> None:
    model_admin.message_user(
        request,
        ngettext("%(count)d session ended.", "%(count)d sessions ended.", count) % {"count": count},
        messages.SUCCESS,
    )


admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(AllauthUserSessionAdmin):
    list_display = ("user", "created_at", "last_seen_at", "ip", "user_agent")
    list_filter = ("created_at",)
    actions = ["end_these_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: UserSession) -> None:
        obj.end()  # the session itself, not only its row

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for session in queryset:
            session.end()

    @admin.action(description=_("End these sessions"))
    def end_these_sessions(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for session in queryset:
            session.end()
            count += 1
        _report(request, self, count)


User = get_user_model()
if admin.site.is_registered(User):
    _user_admin_class = type(admin.site._registry[User])
    admin.site.unregister(User)
else:
    _user_admin_class = UserAdmin


@admin.register(User)
class EscalaUserAdmin(_user_admin_class):  # type: ignore[misc, valid-type]
    actions = [*(_user_admin_class.actions or []), "end_all_sessions"]

    @admin.action(description=_("End all sessions of these people"))
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet) -> None:
        _report(request, self, end_sessions(users=queryset, by=request.user))
