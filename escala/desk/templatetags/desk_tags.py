from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from escala.tickets.choices import Status
from escala.tickets.models import format_reference

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration as whole minutes (for "15 minutes")."""
    if not value:
        return 0
    return int(value.total_seconds() // 60)


@register.filter
def reference(number: int) -> str:
    """A ticket's reference from its id alone ("ESC-000123"), without reading the ticket."""
    return format_reference(number)


@register.filter
def event_value(value: str, field: str) -> str:
    """A status stored in the history ("pending_vendor") as people read it."""
    if field == "status" and value in Status.values:
        return str(Status(value).label)
    return value


@register.filter
def hours_minutes(value: timedelta | None) -> str:
    """A span as hours and minutes ("26 h 05 min"): business days vary in
    length, so hours say exactly how much working time is meant."""
    if value is None:
        return "—"
    total = max(int(value.total_seconds() // 60), 0)
    hours, mins = divmod(total, 60)
    if not hours:
        return _("%(m)d min") % {"m": mins}
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
