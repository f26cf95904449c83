from datetime import timedelta

from django import template

from escala.tickets.choices import Status

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration as whole minutes (for "15 minutes")."""
    if not value:
        return 0
    return int(value.total_seconds() // 60)


@register.filter
def event_value(value: str, field: str) -> str:
    """A status stored in the history ("pending_vendor") as people read it."""
    if field == "status" and value in Status.values:
        return str(Status(value).label)
    return value
