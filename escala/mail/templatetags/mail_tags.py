"""Mail bits other pages show: the admins' alert count, and a bouncing address's mark."""

from django import template
from django.conf import settings

from escala.people.queries import is_admin

register = template.Library()


@register.simple_tag(takes_context=True)
def mail_alert_count(context) -> int:
    """Open mail alerts, for an admin (0 for anyone else: no query)."""
    request = context.get("request")
    if request is None or not is_admin(request.user):
        return 0
    from escala.mail.alerts import open_count

    return open_count()


@register.inclusion_tag("mail/desk/_bounce_badge.html", takes_context=True)
def bounce_badge(context, address: str, bounced: bool = True) -> dict:
    """ "Mail to this address bounces", with the reason and a way to clear it (agents).
    `bounced`: False when the page already knows the address is not marked (no query)."""
    from escala.mail.bounces import bouncing

    request = context.get("request")
    found = bouncing([address]) if address and bounced else {}
    mark = found.get((address or "").strip().lower())
    return {
        "mark": mark,
        "suppress": settings.ESCALA_MAIL_BOUNCED_ADDRESSES == "suppress",
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }
