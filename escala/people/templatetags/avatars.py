"""{% avatar name %}: a person's initials avatar (escala.people.avatars)."""

from django import template
from django.utils.safestring import SafeString

from escala.people.avatars import avatar_html

register = template.Library()


@register.simple_tag
def avatar(name: str, size: str = "") -> SafeString:
    return avatar_html(str(name or ""), size=size)
