"""{% kept_include "name" %}: an include whose template reads nothing of the page, only the
active language (the console's keyboard help: a dialog of some twenty translated lines). Drawn
once per process and language, from an empty context, so nothing of one viewer can end up in
the copy another is shown; copied on every page after that (issue #20: each translated line
costs a catalogue look-up on every request). With DEBUG on it is drawn every time, as templates
reload while they are edited."""

import threading

from django import template
from django.conf import settings
from django.template import Context
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_lock = threading.Lock()
_kept: dict[tuple[str, str, bool], SafeString] = {}


@register.simple_tag(takes_context=True)
def kept_include(context: Context, name: str) -> SafeString:
    key = (name, get_language() or "", context.autoescape)
    if not settings.DEBUG and (html := _kept.get(key)) is not None:
        return html
    html = context.template.engine.get_template(name).render(
        Context({}, autoescape=context.autoescape)
    )
    with _lock:
        _kept[key] = html
    return html
