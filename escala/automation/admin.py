from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import ACTION_HELP, CONDITION_HELP, MACRO_HELP, MacroForm, rows_for, trigger_form
from .models import Macro, Notification, TeamRouting, Trigger


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ["team", "mode", "last_agent"]


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    """Conditions and actions are edited as rows of choices (automation.forms), not as JSON."""

    list_display = ["name", "event", "order", "is_active"]
    list_filter = ["event", "is_active"]
    search_fields = ["name"]

    def get_form(self, request: Any, obj: Trigger | None = None, change: bool = False, **kwargs):  # noqa: ANN201
        kwargs["form"] = trigger_form(*rows_for(obj))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: Any, obj: Trigger | None = None):  # noqa: ANN201
        n_conditions, n_actions = rows_for(obj)
        return [
            (None, {"fields": ["name", "event", ("order", "is_active")]}),
            (
                _("Conditions"),
                {
                    "description": CONDITION_HELP,
                    "fields": [
                        (f"condition_{i}_field", f"condition_{i}_op", f"condition_{i}_value")
                        for i in range(n_conditions)
                    ],
                },
            ),
            (
                _("Actions"),
                {
                    "description": ACTION_HELP,
                    "fields": [
                        (f"action_{i}_action", f"action_{i}_value") for i in range(n_actions)
                    ],
                },
            ),
        ]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    fieldsets = [
        (None, {"fields": [("name_en", "name_es"), "is_active"]}),
        (_("Reply"), {"description": MACRO_HELP, "fields": ["body_en", "body_es"]}),
        (_("Fields it sets"), {"fields": [("set_status", "set_priority", "add_tag")]}),
    ]
    list_display = ["name_en", "name_es", "set_status", "set_priority", "add_tag", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_en", "name_es", "body_en", "body_es"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "agent", "ticket", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket", "agent"]
