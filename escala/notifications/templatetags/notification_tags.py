"""The bell for the top bar: no query while the cached state is current (state.py)."""

from django import template

from escala.core.templatetags.kept_tags import drawn
from escala.people.access import may_use_console

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_bell(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_use_console(user):
        return ""
    from ..state import bell_state

    count, stamp = bell_state(user)
    # The bell reads only these and the language: drawn once for each (every page shows it).
    return drawn(context, "notifications/bell.html", {"show": True, "count": count, "stamp": stamp})
