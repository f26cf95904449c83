"""Tickets are read-only in the admin: every change goes through the actions, which write the
history. The admin is for configuration and for looking."""

from django.contrib import admin

from .models import Message, Ticket, TicketEvent, TierStay, VendorCase


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ARG002
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ARG002
        return False


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor_name", "field", "old_value", "new_value", "reason"]


class StayInline(ReadOnlyInline):
    model = TierStay
    fields = ["tier", "team", "vendor", "entered_at", "entry_reason", "left_at", "exit_reason"]


class VendorCaseInline(ReadOnlyInline):
    model = VendorCase
    fields = ["vendor", "external_reference", "status", "opened_at", "closed_at"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "status", "priority", "tier", "team", "assignee", "created_at"]
    list_filter = ["status", "priority", "tier", "channel"]
    search_fields = ["subject", "requester__email"]
    list_select_related = ["tier", "team", "assignee__user"]
    show_full_result_count = False  # a COUNT(*) over a million rows on every page is waste
    inlines = [StayInline, VendorCaseInline, EventInline]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ARG002
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # noqa: ANN001, ARG002
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ARG002
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "kind", "author_kind", "author_name", "created_at"]
    list_filter = ["kind", "author_kind"]
    raw_id_fields = ["ticket", "original_ticket", "author_user", "author_requester"]
    show_full_result_count = False

    def has_add_permission(self, request):  # noqa: ANN001, ARG002
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ARG002
        return False
