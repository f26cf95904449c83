"""The queue's table rows, written in Python.

The rows are the bulk of a queue page: in the template each of them cost about a hundred
microseconds of lookups (`{{ ticket.tier.name }}`: a chain of attribute reads, a localized name,
an escape), more than every query of the page together. Here each row's texts come from the
ticket's own columns and desk.labels (the few-row tables' names, kept in memory), the dates are
formatted once, and every text is escaped once. The markup is the one queue.html had; the
template keeps the table around it.
"""

import functools
import threading
from collections import OrderedDict
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from escala.people.avatars import avatar_html
from escala.sla.queries import BREACHED, PAUSED, WARNED, Due
from escala.tickets.choices import Status
from escala.tickets.models import Ticket, format_reference
from escala.tiers.choices import Priority

from .labels import Labels

_PLACEHOLDER = 987654321987


def _e(value: object) -> str:
    """What {{ value }} prints: the text, HTML-escaped (as django.utils.html.escape)."""
    return escape(str(value), quote=True)


class _Words:
    """The texts the rows repeat, translated (and the fixed ones escaped) once per page: a
    catalogue lookup for each of them on every row cost more than the rest of the row."""

    def __init__(self) -> None:
        self.minutes = _("%(m)d min")
        self.hours = _("%(h)d h")
        self.hours_minutes = _("%(h)d h %(m)d min")
        nothing = _("No SLA clock running")
        self.nothing = f'<span class="muted" title="{_e(nothing)}">—</span>'
        self.paused = f'<span class="due due-paused">{_e(_("Paused"))}</span>'
        self.breached = pgettext("one ticket", "Breached")
        self.overdue_by = _("overdue by %(time)s")
        self.at_risk = _("At risk")
        self.left = _("%(time)s left")
        self.due_at = _("Due %(when)s")


def business_time(left: Any, words: _Words | None = None) -> str:
    """A span of business time, short: "45 min", "2 h 15 min", "31 h" (hours, not days: a
    business day is not 24 hours, and agents plan their shift in hours)."""
    words = words or _Words()
    minutes = int(abs(left.total_seconds()) // 60)
    if minutes < 60:
        return words.minutes % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if hours >= 10 or not rest:
        return words.hours % {"h": hours}
    return words.hours_minutes % {"h": hours, "m": rest}


def due_cell(due: Due | None, short_datetime: str, words: _Words | None = None) -> str:
    """The "Due" cell: the time left (or overdue by) in words, the state also as a word (not
    colour alone), the clock's name and, on hover, the due instant."""
    words = words or _Words()
    if due is None:
        return words.nothing
    if due.state == PAUSED:
        text = words.paused
    else:
        span = business_time(due.left, words)
        if due.state == BREACHED:
            flag, said = words.breached, words.overdue_by % {"time": span}
        elif due.state == WARNED:
            flag, said = words.at_risk, words.left % {"time": span}
        else:
            flag, said = "", words.left % {"time": span}
        when = ""
        if due.due_at is not None:
            local = timezone.localtime(due.due_at)
            when = words.due_at % {"when": dateformat.format(local, short_datetime)}
        text = (
            f'<span class="due due-{_e(due.state)}" title="{_e(when)}">'
            + (f'<span class="due-flag">{_e(flag)}</span> ' if flag else "")
            + f"{_e(said)}</span>"
        )
    return text + f'<div class="muted small">{_e(due.label)}</div>'


# A person's avatar depends on their name only; the same agents and requesters fill every page.
_avatar = functools.lru_cache(maxsize=4096)(avatar_html)


def queue_rows(
    tickets: list[Ticket], labels: Labels, *, due: dict[int, Due] | None = None
) -> SafeString:
    """The <tr> of each ticket of a queue page. Tickets come with their requester's name
    (desk.queries.queue_page_rows); every other name is a label. `due`: each ticket's next
    SLA deadline (sla.queries.queue_due)."""
    due = due or {}
    words = _Words()
    statuses = {value: _e(label) for value, label in Status.choices}
    priorities = {value: _e(label) for value, label in Priority.choices}
    short_datetime = get_format("SHORT_DATETIME_FORMAT")
    select = _("Select %(ref)s")
    unassigned = f'<span class="muted">{_e(_("Unassigned"))}</span>'
    # The ticket URL reversed once, with a placeholder for the id, instead of once per row.
    url = _e(reverse("desk:ticket", args=[_PLACEHOLDER]))
    rows = []
    for t in tickets:
        reference = format_reference(t.pk)
        tier = labels.tiers.get(t.tier_id)
        category = labels.categories.get(t.category_id)
        team = labels.teams.get(t.team_id)
        assignee = labels.agents.get(t.assignee_id)
        requester = t.requester_name  # desk.queries.queue_page_rows
        created = timezone.localtime(t.created_at)
        rows.append(
            # The live poll compares data-id and data-v (when it changed) with the queue's rows.
            f'<tr data-id="{t.pk}" data-v="{t.updated_at.timestamp():.6f}">\n'
            f'<td><input type="checkbox" name="tickets" value="{t.pk}"'
            f' aria-label="{_e(select % {"ref": reference})}"></td>\n'
            f'<td class="subject"><span class="ref">{_e(reference)}</span><br>'
            f'<a href="{url.replace(str(_PLACEHOLDER), str(t.pk))}">{_e(t.subject)}</a>'
            + (f'<div class="muted small">{_e(category)}</div>' if category else "")
            + "</td>\n"
            f'<td><span class="badge status-{_e(t.status)}">'
            f"{statuses.get(t.status) or _e(t.status)}</span></td>\n"
            f'<td><span class="badge prio-{_e(t.priority)}">'
            f"{priorities.get(t.priority) or _e(t.priority)}</span></td>\n"
            f'<td class="due-cell">{due_cell(due.get(t.pk), short_datetime, words)}</td>\n'
            f'<td><span class="tier-chip" title="{_e(tier.name if tier else "")}">'
            f"{_e(tier.short if tier else '')}</span>"
            + (f' <span class="muted small">{_e(team)}</span>' if team else "")
            + "</td>\n"
            f'<td class="hide-narrow person">{_avatar(requester)}{_e(requester)}'
            f'<div class="muted small">{_e(labels.organizations.get(t.organization_id, ""))}'
            "</div></td>\n"
            f'<td class="hide-narrow person">'
            f"{_avatar(assignee) + _e(assignee) if assignee else unassigned}</td>\n"
            f'<td class="hide-narrow"><time datetime="{_e(created.isoformat())}">'
            f"{_e(dateformat.format(created, short_datetime))}</time></td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text above is escaped


_FILTERS_KEPT = 256
_filters_lock = threading.Lock()
_filters: OrderedDict[tuple, SafeString] = OrderedDict()


def filter_fields(form: Any, labels: Labels) -> SafeString:
    """The queue's filter fields, rendered. What they show depends only on the filters asked
    for, the labels and the language, and agents ask for the same few filters over and over:
    the last few hundred renderings are kept (per process), which saves a dozen fields' widgets
    and templates on nearly every page."""
    asked = tuple(sorted((k, tuple(v)) for k, v in form.data.lists() if k in form.fields))
    key = (labels.stamp, get_language(), form.is_bound, asked)
    if labels.stamp is not None and (found := _filters.get(key)) is not None:
        return found
    html = render_to_string("desk/_filter_fields.html", {"form": form})
    if labels.stamp is not None:
        with _filters_lock:
            _filters[key] = html
            while len(_filters) > _FILTERS_KEPT:
                _filters.popitem(last=False)
    return html


_bulk_lock = threading.Lock()
_bulk: dict[tuple, dict[str, SafeString]] = {}


def bulk_widgets(labels: Labels) -> dict[str, SafeString]:
    """The bulk bar's fields (agent, status, priority), rendered. They depend only on the
    labels and the language: kept per process like the filter fields, instead of a form with
    its deep-copied fields and three widgets' templates on every queue page."""
    from .forms import BulkForm  # the forms import the labels, as this module does

    key = (labels.stamp, get_language())
    if labels.stamp is not None and (found := _bulk.get(key)) is not None:
        return found
    form = BulkForm(auto_id="bulk-%s", labels=labels)
    widgets = {name: form[name].as_widget() for name in ("assignee", "status", "priority")}
    if labels.stamp is not None:
        with _bulk_lock:
            if len(_bulk) >= _FILTERS_KEPT:
                _bulk.clear()
            _bulk[key] = widgets
    return widgets
