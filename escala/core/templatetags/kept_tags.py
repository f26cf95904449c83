"""Templates that read nothing of the page but a few plain values and the active language, drawn
once per process for each combination and copied after that (issue #20: every translated line
and address in them cost a catalogue look-up or a reverse() on every request).

- `{% kept_include "name" %}`: an include that reads only the language (the console's keyboard
  help: a dialog of some twenty translated lines).
- `drawn(context, name, values)`: for a tag whose template reads only `values` (the bell).
- `{% kept_url "name" %}`: `{% url %}` of an address without arguments, reversed once.
- `|kept_date:"SHORT_DATETIME_FORMAT"`: Django's `date` filter through `core.dates` (the format
  split once per process, its month names and "a.m." read once per language).

Each is drawn from a context of its own values alone, so nothing of one viewer can end up in a
copy another is shown. With DEBUG on they are drawn every time, as templates reload while they
are edited.
"""

import threading
from collections.abc import Hashable
from datetime import datetime

from django import template
from django.conf import settings
from django.template import Context
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from escala.core import dates

register = template.Library()

MAX_KEPT = 4096  # a few KB each; all dropped beyond
_lock = threading.Lock()
_kept: dict[tuple, SafeString] = {}


def drawn(context: Context, name: str, values: dict[str, Hashable]) -> SafeString:
    """Template `name` drawn with `values` (plain values: part of the copy's key)."""
    key = (
        name,
        get_language() or "",
        get_script_prefix(),  # the addresses in it
        context.autoescape,
        *sorted(values.items()),
    )
    if not settings.DEBUG and (html := _kept.get(key)) is not None:
        return html
    html = context.template.engine.get_template(name).render(
        Context(values, autoescape=context.autoescape)
    )
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = html
    return html


@register.simple_tag(takes_context=True)
def kept_include(context: Context, name: str) -> SafeString:
    return drawn(context, name, {})


@register.filter(expects_localtime=True, is_safe=False)
def kept_date(value: object, arg: str | None = None) -> str:
    """Django's `date` filter, through core.dates (the format split once per process, its
    words read once per language): the same text."""
    if value in (None, ""):
        return ""
    if type(value) is not datetime:
        return date_filter(value, arg)
    return dates.date_format(value, arg or "DATE_FORMAT")


_kept_urls: dict[tuple[str, str, str], str] = {}


@register.simple_tag
def kept_url(name: str) -> str:
    """`{% url name %}` for an address without arguments, reversed once per process, URL prefix
    and URLconf (every page links to the same few: sign out, the language form ...)."""
    key = (name, get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    if (url := _kept_urls.get(key)) is None:
        if len(_kept_urls) >= MAX_KEPT:
            _kept_urls.clear()
        url = _kept_urls[key] = reverse(name)
    return url
