import html
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from escala.core import dates
from escala.knowledge.markdown import render as render_markdown
from escala.tickets.choices import Channel, EventKind, Status
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
    spans = _span_formats()
    if not hours:
        return spans[0] % {"m": mins}
    return spans[1] % {"h": hours, "m": mins}


_kept_span_formats: dict[str, tuple[str, str]] = {}


def _span_formats() -> tuple[str, str]:
    """hours_minutes' two formats in the active language, read once per process and language
    (the ticket page's clocks write some ten spans per request)."""
    language = get_language() or ""
    if (found := _kept_span_formats.get(language)) is None:
        found = _kept_span_formats[language] = (_("%(m)d min"), _("%(h)d h %(m)02d min"))
    return found


# --- The thread, in Python ------------------------------------------------------------------
# One message of the ticket page's thread cost about half a millisecond through the template
# language (tags, filters, lookups, a URL per file); a long thread was most of the page. The same
# markup built here costs a tenth of that. Every text is escaped; the strings are the template's
# msgids, so the catalogues are unchanged.


_PLACEHOLDER = "987654321"


def _e(text: Any) -> str:
    """conditional_escape: a plain str straight through html.escape, as Django's escape() does
    (without its lazy-argument wrapper: these builders escape some thirty texts a page)."""
    if type(text) is str:
        return html.escape(text)
    return conditional_escape(text)


@dataclass(frozen=True)
class _Texts:
    """What every message or event of one page shares, looked up once per page: URLs with a
    placeholder id, labels in the active language, the date formats."""

    file_url: str
    mail_url: str
    labels: dict[str, str]
    long_date: str
    short_date: str


_kept_texts: dict[tuple[str, str], _Texts] = {}


def _texts() -> _Texts:
    """The page's shared texts, built once per process, language and URL prefix (they are
    constant: catalogues, URL patterns and formats load at startup)."""
    key = (get_language() or "", get_script_prefix())
    if (found := _kept_texts.get(key)) is None:
        found = _kept_texts[key] = _build_texts()
    return found


def _build_texts() -> _Texts:
    labels = {
        "vendor_note": _("Vendor · internal"),
        "vendor_shared": _("Vendor · shared"),
        "note": _("Internal note"),
        "reply": _("Public reply"),
        "requester": _("Requester"),
        "nobody": _("Escala"),
        "quoted": _("Quoted history and signature included"),
        "whole": _("Whole mail"),
        "files": _("Attachments"),
    }
    labels.update({f"channel:{value}": str(label) for value, label in Channel.choices})
    labels.update({f"event:{value}": str(label) for value, label in EventKind.choices})
    labels.update({f"status:{value}": str(label) for value, label in Status.choices})
    return _Texts(
        file_url=reverse("attachment", args=[_PLACEHOLDER]),
        mail_url=reverse("mail:detail", args=[_PLACEHOLDER]),
        labels={k: conditional_escape(v) for k, v in labels.items()},
        long_date=formats.get_format("DATETIME_FORMAT"),
        short_date=formats.get_format("SHORT_DATETIME_FORMAT"),
    )


def _kind(m: Any, t: _Texts) -> tuple[str, str]:
    """The message's classes and its kind's label."""
    note = m.kind == "note"
    if m.author_kind == "vendor":
        classes = "msg from-vendor"
        label = t.labels["vendor_note"] if note else t.labels["vendor_shared"]
    elif note:
        classes, label = "msg is-note", t.labels["note"]
    elif m.author_kind == "agent":
        classes, label = "msg from-agent", t.labels["reply"]
    else:
        classes, label = "msg from-requester", t.labels["requester"]
    return (classes + " internal" if note else classes), label


def _message_html(m: Any, t: _Texts) -> str:
    e = _e
    classes, label = _kind(m, t)
    when = localtime(m.created_at)
    meta = [f'<time datetime="{when.isoformat()}">{e(dates.format(when, t.long_date))}</time>']
    if m.time_spent:
        n = minutes(m.time_spent)
        spent = ngettext("%(minutes)s minute", "%(minutes)s minutes", n) % {"minutes": n}
        meta.append(" · " + e(spent))
    if m.channel != "portal":
        meta.append(" · " + t.labels.get(f"channel:{m.channel}", e(m.channel)))
    if m.original_mail_id:
        meta.append(
            f' · <a href="{t.mail_url.replace(_PLACEHOLDER, str(m.original_mail_id))}" '
            f'title="{t.labels["quoted"]}">{t.labels["whole"]}</a>'
        )
    who = e(m.author_name) if m.author_name else t.labels["nobody"]
    parts = [
        f'<li class="{classes}" id="m{m.pk}">\n  <div class="msg-head">\n'
        f'    <span><span class="who">{who}</span> <span class="msg-kind">{label}</span></span>\n'
        f'    <span class="muted">{"".join(meta)}</span>\n  </div>\n'
    ]
    if check := m.sender_check:
        decision = ""
        if check["decision"]:
            decision = f" · {e(check['decision'])}"
            if check["decided_by"]:
                decision += f" ({e(check['decided_by'])})"
        href = t.mail_url.replace(_PLACEHOLDER, str(check["mail_id"]))
        parts.append(
            f'  <p class="msg-sender-check verdict-{e(check["result"])} small" '
            f'title="{e(" · ".join(str(d) for d in check["details"]))}">'
            f'<a href="{href}">{e(check["summary"] or check["label"])}</a>{decision}</p>\n'
        )
    if m.body_format == "markdown":  # the knowledge base's one safe renderer (raw HTML off)
        parts.append(f'  <div class="msg-body md">{render_markdown(m.body)}</div>\n')
    else:
        parts.append(f'  <div class="msg-body">{linebreaksbr(m.body, autoescape=True)}</div>\n')
    if m.files:
        parts.append(f'  <ul class="attachments" aria-label="{t.labels["files"]}">')
        parts.extend(
            f'<li><a href="{t.file_url.replace(_PLACEHOLDER, str(f.pk))}" download>'
            f'{e(f.filename)}</a> <span class="muted">({e(filesizeformat(f.size))})</span></li>'
            for f in m.files
        )
        parts.append("</ul>\n")
    parts.append("</li>\n")
    return "".join(parts)


@register.simple_tag
def thread(messages: list) -> SafeString:
    """The ticket page's messages, each an <li> of the thread (desk.queries.ThreadMessage)."""
    t = _texts()
    return mark_safe("".join(_message_html(m, t) for m in messages))  # noqa: S308 - escaped above


def _event_value(value: str, field: str, t: _Texts) -> str:
    """event_value, escaped: a status's label from the page's texts."""
    if field == "status" and (label := t.labels.get(f"status:{value}")) is not None:
        return label
    return _e(value)


def _event_html(ev: Any, t: _Texts) -> str:
    e = _e
    kind = t.labels.get(f"event:{ev.kind}") or e(ev.kind)
    parts = [f'<li class="ev-{e(ev.kind)}">\n  <strong>{kind}</strong>\n']
    if ev.old_value or ev.new_value:
        old = f"{_event_value(ev.old_value, ev.field, t)} → " if ev.old_value else ""
        new = _event_value(ev.new_value, ev.field, t)
        parts.append(f'  <span class="muted">{old}{new}</span>\n')
    when = localtime(ev.created_at)
    parts.append(
        f'  <div class="muted small">{e(ev.actor_name)} · <time datetime="{when.isoformat()}">'
        f"{e(dates.format(when, t.short_date))}</time></div>\n"
    )
    if ev.reason:
        parts.append(f'  <div class="reason">“{e(ev.reason)}”</div>\n')
    parts.append("</li>\n")
    return "".join(parts)


@register.simple_tag
def history(events: list) -> SafeString:
    """The ticket page's history, each event an <li> of the timeline (as the thread: a long
    history through the template language cost more than the rest of the page)."""
    t = _texts()
    return mark_safe("".join(_event_html(ev, t) for ev in events))  # noqa: S308 - escaped above


# --- Addresses -------------------------------------------------------------------------------

_kept_id_urls: dict[tuple, str] = {}


@register.simple_tag
def id_url(name: str, pk: int, *rest: str) -> str:
    """`{% url name pk ... %}`, reversed once per process and URL prefix with a stand-in for the
    id: the ticket page links to some ten addresses of its ticket and requester on every
    request, and reverse() cost more than the rest of those lines."""
    key = (name, get_script_prefix(), rest)
    if (pattern := _kept_id_urls.get(key)) is None:
        pattern = _kept_id_urls[key] = reverse(name, args=[_PLACEHOLDER, *rest])
    return pattern.replace(_PLACEHOLDER, str(int(pk)))


# --- The forms, from desk.fragments ---------------------------------------------------------


@register.simple_tag(takes_context=True)
def action_form(context: Any, name: str, title: str, button: str) -> str:
    """One action of the ticket page (desk/_action.html), drawn by desk.fragments."""
    values = {"name": name, "title": title, "button": button}
    return context["forms"].drawn(context, "desk/_action.html", name, values)


@register.simple_tag(takes_context=True)
def reply_box(context: Any) -> str:
    """The ticket page's reply box (desk/_composer.html), drawn by desk.fragments."""
    return context["forms"].drawn(context, "desk/_composer.html", "compose", {})


# --- The service-level clocks (desk/_clocks.html was this tag) ------------------------------


_kept_clock_texts: dict[str, dict[str, str]] = {}


def _clock_texts() -> dict[str, str]:
    """The clock card's words, escaped, in the active language (marked here, outside the
    f-strings below: xgettext does not look inside f-strings); built once per process and
    language, as the thread's (_texts): a card read them again for each of its clocks."""
    language = get_language() or ""
    if (found := _kept_clock_texts.get(language)) is None:
        found = _kept_clock_texts[language] = _build_clock_texts()
    return found


def _build_clock_texts() -> dict[str, str]:
    return {
        "none": conditional_escape(_("none")),
        "target": conditional_escape(_("Target")),
        "overdue_by": conditional_escape(_("Overdue by")),
        "time_left": conditional_escape(_("Time left")),
        "when_the_clock_resumes": conditional_escape(_("when the clock resumes")),
        "due": conditional_escape(_("Due")),
        "stopped": conditional_escape(_("Stopped")),
        "breached": conditional_escape(_("Breached")),
        "stopped_in_time": conditional_escape(_("Stopped in time")),
        "paused": conditional_escape(_("Paused")),
        "running": conditional_escape(_("Running")),
        "late_by": conditional_escape(_("Late by")),
        "counted": conditional_escape(_("Counted")),
        "explain": conditional_escape(_("Explain")),
        "service_levels": conditional_escape(_("Service levels")),
        "business_time": conditional_escape(
            _("Times are business time: only working hours count.")
        ),
        "no_clock": conditional_escape(_("No clock runs on this ticket.")),
    }


def _clock_html(c: Any, pk: int, url: str) -> str:
    e = _e
    t = _clock_texts()
    state = c.state
    if state == "breached":
        badge = t["breached"]
    elif state == "stopped":
        badge = t["stopped_in_time"] if c.target is not None else t["stopped"]
    else:
        badge = t["paused"] if state == "paused" else t["running"]
    target = (
        e(hours_minutes(c.target))
        if c.target is not None
        else f'<span class="muted">{t["none"]}</span>'
    )
    kind = e(c.kind)
    parts = [
        f'    <li class="clock clock-{e(state)}" id="clock-{kind}">\n'
        f'      <div class="clock-head">\n        <strong>{e(c.label)}</strong>\n'
        f'        <span class="badge clock-state-{e(state)}">{badge}</span>\n      </div>\n'
        f'      <dl class="clock-figures">\n'
        f"        <dt>{t['target']}</dt><dd>{target}</dd>\n"
    ]
    if c.target is not None and not c.stopped_at:
        if c.breached:
            parts.append(
                f"        <dt>{t['overdue_by']}</dt>"
                f'<dd class="clock-overdue">{e(hours_minutes(c.overdue))}</dd>\n'
            )
        else:
            parts.append(
                f"        <dt>{t['time_left']}</dt>"
                f'<dd class="clock-left">{e(hours_minutes(c.remaining))}</dd>\n'
            )
        due = (
            _time_html(c.due_at)
            if c.due_at
            else f'<span class="muted">{t["when_the_clock_resumes"]}</span>'
        )
        parts.append(f"        <dt>{t['due']}</dt><dd>{due}</dd>\n")
    if c.stopped_at:
        parts.append(f"        <dt>{t['stopped']}</dt><dd>{_time_html(c.stopped_at)}</dd>\n")
        if c.breached:
            parts.append(
                f"        <dt>{t['late_by']}</dt>"
                f'<dd class="clock-overdue">{e(hours_minutes(c.overdue))}</dd>\n'
            )
    href = e(url.replace(_PLACEHOLDER, str(pk)).replace("clock-kind-placeholder", c.kind))
    parts.append(
        f"        <dt>{t['counted']}</dt><dd>{e(hours_minutes(c.elapsed))}</dd>\n"
        f"      </dl>\n"
        f'      <p class="small"><a href="{href}" hx-get="{href}" hx-target="#explain-{kind}" '
        f'hx-swap="innerHTML">{t["explain"]}</a></p>\n'
        f'      <div id="explain-{kind}" class="clock-explain" aria-live="polite"></div>\n'
        f"    </li>\n"
    )
    return "".join(parts)


def _time_html(value: Any) -> str:
    when = localtime(value)
    short = dates.date_format(when, "SHORT_DATETIME_FORMAT")
    return (
        f'<time datetime="{_e(when.isoformat())}">'  # format "c"
        f"{_e(short)}</time>"
    )


@register.simple_tag
def clocks_panel(clocks: list, ticket_id: int) -> SafeString:
    """The ticket's service-level clocks (sla.queries.ClockPanel), as a card: a ticket page
    draws it on every request and every live update, through the template language it cost as
    much as the rest of the side column."""
    t = _clock_texts()
    parts = [
        '<section class="card clocks" aria-labelledby="clocks-title">\n'
        f'  <h2 id="clocks-title">{t["service_levels"]}</h2>\n'
    ]
    if clocks:
        key = ("desk:clock_explain", get_script_prefix(), ("clock-kind-placeholder",))
        if (url := _kept_id_urls.get(key)) is None:
            url = _kept_id_urls[key] = reverse(
                "desk:clock_explain", args=[_PLACEHOLDER, "clock-kind-placeholder"]
            )
        parts.append('  <ul class="clock-list">\n')
        parts.extend(_clock_html(c, ticket_id, url) for c in clocks)
        parts.append(f'  </ul>\n  <p class="muted small">{t["business_time"]}</p>\n')
    else:
        parts.append(f'  <p class="muted small">{t["no_clock"]}</p>\n')
    parts.append("</section>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
