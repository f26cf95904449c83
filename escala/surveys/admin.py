from django.contrib import admin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["ticket", "resolved_at", "tier", "team", "agent", "rating", "answered_at"]
    list_filter = ["rating", "tier", "team"]
    raw_id_fields = ["ticket", "resolution", "agent"]
    readonly_fields = ["nonce"]
