"""The bell for the top bar: no query while the cached state is current (state.py)."""

from django import template

from escala.people.access import may_use_console

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_use_console(user):
        return {"show": False}
    from ..state import bell_state

    count, stamp = bell_state(user)
    return {"show": True, "count": count, "stamp": stamp}
