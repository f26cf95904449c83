"""Problems and major incidents are worked in the console (/desk/problems/), where every change
is an action that writes its history; the admin only reads them."""

from django.contrib import admin

from .models import MajorIncident, Problem


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnly):
    list_display = ("__str__", "status", "owner_tier", "owner_team", "created_at")
    list_filter = ("status", "owner_tier")
    search_fields = ("title",)


@admin.register(MajorIncident)
class MajorIncidentAdmin(ReadOnly):
    list_display = ("__str__", "status", "show_in_portal", "declared_at", "resolved_at")
    list_filter = ("status", "show_in_portal")
