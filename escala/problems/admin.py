"""Problems and major incidents are worked in the console (/desk/problems/); the admin reads
them, and changes only what is configuration (who owns a problem, the portal announcement)."""

from django.contrib import admin

from .models import MajorIncident, Problem


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "owner_tier", "owner_team", "created_at")
    list_filter = ("status", "owner_tier")
    search_fields = ("title",)
    fields = ("title", "status", "owner_tier", "owner_team", "assignee", "root_cause", "article")
    readonly_fields = ("title", "status", "root_cause", "article")


@admin.register(MajorIncident)
class MajorIncidentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "show_in_portal", "declared_at", "resolved_at")
    list_filter = ("status", "show_in_portal")
    fields = ("title_es", "title_en", "status", "show_in_portal", "declared_at", "resolved_at")
    readonly_fields = ("status", "declared_at", "resolved_at")
