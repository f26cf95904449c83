from django.contrib import admin
from django.db import transaction

from .models import BusinessCalendar, DayOff, SlaPolicy, TicketClock, TierTarget, WorkingHours


class RetargetOnSave(admin.ModelAdmin):
    """A changed calendar, policy or target re-targets every open ticket's clocks, in the
    background, once the change is committed (counted time is kept: it comes from history)."""

    def save_related(self, request, form, formsets, change) -> None:  # noqa: ANN001
        super().save_related(request, form, formsets, change)
        from .tasks import recompute_all_clocks

        transaction.on_commit(lambda: recompute_all_clocks.enqueue())

    def delete_model(self, request, obj) -> None:  # noqa: ANN001
        super().delete_model(request, obj)
        from .tasks import recompute_all_clocks

        transaction.on_commit(lambda: recompute_all_clocks.enqueue())


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class DayOffInline(admin.TabularInline):
    model = DayOff
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RetargetOnSave):
    list_display = ["name", "time_zone", "country", "subdivision", "organization", "team"]
    inlines = [WorkingHoursInline, DayOffInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RetargetOnSave):
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
class TierTargetAdmin(RetargetOnSave):
    list_display = ["tier", "target", "escalate_on_breach"]


@admin.register(TicketClock)
class TicketClockAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "due_at", "paused", "warned", "breached", "elapsed"]
    list_filter = ["kind", "breached", "warned", "paused"]
    raw_id_fields = ["ticket", "policy"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
