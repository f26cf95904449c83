from django.contrib import admin

from .models import BusinessCalendar, DayOff, SlaPolicy, TicketClock, TierTarget, WorkingHours


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class DayOffInline(admin.TabularInline):
    model = DayOff
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "country", "subdivision", "organization", "team"]
    inlines = [WorkingHoursInline, DayOffInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "priority",
        "category",
        "organization",
        "first_response_target",
        "resolution_target",
        "is_active",
    ]
    list_editable = ["order"]
    list_filter = ["is_active", "priority"]


@admin.register(TierTarget)
class TierTargetAdmin(admin.ModelAdmin):
    list_display = ["tier", "target", "escalate_on_breach"]


@admin.register(TicketClock)
class TicketClockAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "due_at", "paused", "warned", "breached", "elapsed"]
    list_filter = ["kind", "breached", "warned", "paused"]
    raw_id_fields = ["ticket", "policy"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
