from django.contrib import admin

from .models import Macro, Notification, TeamRouting, Trigger


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ["team", "mode", "last_agent"]


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "order", "is_active"]
    list_filter = ["event", "is_active"]
    search_fields = ["name"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_es", "set_status", "set_priority", "add_tag", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_en", "name_es", "body_en", "body_es"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "agent", "ticket", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket", "agent"]
