from django.contrib import admin

from .models import PeriodicJobRun


@admin.register(PeriodicJobRun)
class PeriodicJobRunAdmin(admin.ModelAdmin):
    """What the workers' periodic jobs did; a failed run keeps its traceback in `error`."""

    list_display = ["job", "period_start", "worker_id", "started_at", "finished_at", "failed"]
    list_filter = ["job"]
    readonly_fields = ["job", "period_start", "worker_id", "started_at", "finished_at", "error"]

    @admin.display(boolean=True, description="failed")
    def failed(self, obj: PeriodicJobRun) -> bool:
        return bool(obj.error)

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
