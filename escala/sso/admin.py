from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DirectoryAccount, DirectoryMapping


@admin.register(DirectoryMapping)
class DirectoryMappingAdmin(admin.ModelAdmin):
    list_display = [
        "value",
        "match",
        "source",
        "organization",
        "team",
        "supervisor",
        "administrator",
        "position",
        "is_active",
    ]
    list_filter = ["source", "match", "is_active", "team", "supervisor", "administrator"]
    list_editable = ["position", "is_active"]
    search_fields = ["value", "provider"]
    autocomplete_fields = ["organization"]
    fieldsets = [
        (
            _("Who it applies to"),
            {"fields": ["source", "provider", "match", "value", "position", "is_active"]},
        ),
        (_("As a requester"), {"fields": ["organization", "organization_manager"]}),
        (_("As an agent"), {"fields": ["team", "supervisor", "administrator"]}),
    ]


@admin.register(DirectoryAccount)
class DirectoryAccountAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "source",
        "provider",
        "last_sign_in_at",
        "last_checked_at",
        "deactivated_by_directory",
    ]
    list_filter = ["source", "deactivated_by_directory"]
    search_fields = ["user__username", "user__email", "external_id"]
    readonly_fields = [
        "user",
        "source",
        "provider",
        "external_id",
        "groups",
        "last_sign_in_at",
        "last_checked_at",
        "deactivated_by_directory",
    ]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False  # made by signing in through a directory
