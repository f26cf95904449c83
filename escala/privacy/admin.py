"""Data protection in the admin: export and erase actions on requesters, the audit trail."""

import io

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from escala.core.errors import DomainError
from escala.people.admin import RequesterAdmin
from escala.people.models import Requester

from .actions import erase_requester
from .export import export_requester
from .models import PrivacyRecord


@admin.action(description=gettext_lazy("Export personal data (zip)"))
def export_personal_data(modeladmin, request, queryset):  # noqa: ANN001, ANN201
    if queryset.count() != 1:
        modeladmin.message_user(
            request, _("Choose exactly one requester to export."), messages.WARNING
        )
        return None
    requester = queryset.get()
    buffer = io.BytesIO()
    try:
        export_requester(requester=requester, by=request.user, out=buffer)
    except DomainError as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return None
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="requester-{requester.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@admin.action(description=gettext_lazy("Erase personal data…"))
def erase_personal_data(modeladmin, request, queryset):  # noqa: ANN001, ANN201
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirm") == "yes":
        if not reason:
            modeladmin.message_user(
                request, _("Say why the data is erased (e.g. the request's reference)."),
                messages.ERROR,
            )  # fmt: skip
        else:
            erased = 0
            for requester in queryset:
                try:
                    erase_requester(requester=requester, by=request.user, reason=reason)
                except DomainError as exc:
                    modeladmin.message_user(request, str(exc), messages.ERROR)
                    return None
                erased += 1
            modeladmin.message_user(
                request,
                ngettext(
                    "Personal data of %(count)d requester erased.",
                    "Personal data of %(count)d requesters erased.",
                    erased,
                )
                % {"count": erased},
                messages.SUCCESS,
            )
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Erase personal data"),
        "requesters": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "reason": reason,
    }
    return TemplateResponse(request, "admin/privacy/erase_confirmation.html", context)


class PrivacyRequesterAdmin(RequesterAdmin):
    actions = [export_personal_data, erase_personal_data]


admin.site.unregister(Requester)
admin.site.register(Requester, PrivacyRequesterAdmin)


@admin.register(PrivacyRecord)
class PrivacyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "requester_id", "ticket_id", "actor_name", "reason"]
    list_filter = ["kind"]
    search_fields = ["reason", "actor_name", "requester_id", "ticket_id"]
    readonly_fields = [f.name for f in PrivacyRecord._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
