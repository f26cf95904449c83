"""The ticket page's forms, built only when shown, and drawn once per process for many tickets.

The action forms (assign, status, escalate ...) and the reply box are most of the page's markup
and, drawn through forms and templates, most of its cost (issue #20). Unbound, each depends on
the language, on the configuration (the labels stamp: the tiers, teams, agents, macros offered)
and on at most three of the ticket's fields (the assign form on its tier, team and assignee; the
status form on its status ...), not on the ticket itself nor on who looks. So each is drawn once
with stand-ins for the ticket's id, its version and the CSRF token, kept in this process under
those keys, and filled in on every page: a change of any field it shows is a different key, a
change of configuration a different stamp (the copy is dropped), so a change shows on the next
request. A form that comes back with errors, or is open, is drawn as before.
"""

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.template import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from escala.tickets.models import Ticket

from . import forms as f
from . import labels, queries

# Stand-ins: 19 digits (the id fits a URL's <int:pk>, the version an IntegerField), found nowhere
# else in the forms' markup.
PK = "7390518264937105826"
VERSION = 6482039175628301947
CSRF = (
    "csrfStandInForTheTokenOfTheRequestThatShowsThisKeptFragment"  # no digits: nor PK nor VERSION
)
# The page's values the fragments read (besides the ticket, its form and the CSRF token).
PAGE_VALUES = ("has_macros", "max_attachment_bytes")
MAX_KEPT = 4096  # drawn fragments per process (a few KB each); all dropped beyond

# Which of the ticket's fields each unbound form shows (besides its id and version).
DEPENDS: dict[str, Callable[[Ticket], tuple]] = {
    "assign": lambda t: (t.tier_id, t.team_id, t.assignee_id),
    "status": lambda t: (t.status,),
    "fields": lambda t: (t.priority, t.category_id),
    "escalate": lambda t: (t.tier_id,),
    "deescalate": lambda t: (t.tier_id,),
}

_lock = threading.Lock()
_kept: dict[tuple, str] = {}
_kept_stamp: list[int | None] = [None]


def _keep(key: tuple, stamp: int | None, html: str) -> None:
    with _lock:
        if _kept_stamp[0] != stamp or len(_kept) >= MAX_KEPT:
            _kept.clear()  # a new configuration: the copies drawn from the old one go
            _kept_stamp[0] = stamp
        _kept[key] = html


def _kept_html(key: tuple, stamp: int | None) -> str | None:
    if settings.DEBUG or stamp is None or _kept_stamp[0] != stamp:
        return None  # DEBUG: templates reload as they are edited
    return _kept.get(key)


class _StandIn:
    """The ticket as a kept fragment sees it: its id is a stand-in."""

    pk = PK


class ActionForms(dict):
    """The page's forms by action name, each built when first asked for (the template, a test,
    a refused post's own form): `forms.assign` in a template builds only that one."""

    def __init__(self, ticket: Ticket, names: labels.Labels, bound: dict[str, Any]) -> None:
        super().__init__(bound)
        self.ticket, self.names, self.bound = ticket, names, bound

    def __missing__(self, name: str) -> Any:
        from .views import ACTIONS  # the views name the actions and their forms

        if name not in ACTIONS:
            raise KeyError(name)
        form = self[name] = self.build(ACTIONS[name].form, name)
        return form

    def build(self, form_class: type, name: str, **initial: Any) -> Any:
        ticket = self.ticket
        kwargs: dict[str, Any] = {"ticket": ticket, "prefix": name}
        if issubclass(form_class, f.OffersLabels):
            kwargs["labels"] = self.names
        if name == "assign":
            # Shown unbound: who may hold it, from the labels; a post is checked against
            # queries.agents_for (views.ticket_action).
            kwargs["holders"] = queries.holders_for(ticket, self.names)
            initial["assignee"] = ticket.assignee_id
        elif name == "fields":
            initial |= {"priority": ticket.priority, "category": ticket.category_id}
        elif name == "status":
            initial["status"] = ticket.status
        kwargs["initial"] = initial
        return form_class(**kwargs)

    def drawn(self, context: Context, template: str, name: str, values: dict[str, Any]) -> str:
        """`template` drawn for the form `name` with `values`: from this process's copy when the
        form is unbound and closed, else through the template as it stands."""
        ticket = self.ticket
        if name in self.bound or context.get("open_action") == name:
            return _render(context, template, values | {"ticket": ticket, "form": self[name]})
        depends = DEPENDS.get(name, lambda t: ())(ticket)
        shared = {k: context.get(k) for k in PAGE_VALUES}
        key = (template, name, get_language(), depends, *sorted((values | shared).items()))
        stamp = self.names.stamp
        html = _kept_html(key, stamp)
        if html is None:
            from .views import ACTIONS

            form = self.build(ACTIONS[name].form, name, version=VERSION)
            stand_ins = {"ticket": _StandIn, "form": form, "csrf_token": CSRF, "open_action": None}
            html = _render(context, template, values | stand_ins)
            if stamp is not None:
                _keep(key, stamp, html)
        token = str(context.get("csrf_token") or "")
        return mark_safe(  # noqa: S308 - drawn by the template; the values filled in are digits and a token
            html.replace(CSRF, token)
            .replace(PK, str(ticket.pk))
            .replace(str(VERSION), str(ticket.version))
        )


def _render(context: Context, template: str, values: dict[str, Any]) -> SafeString:
    """The fragment drawn from the page's values it reads and `values` alone: nothing of the
    viewer's (their name, their drafts) can end up in a copy kept for others."""
    page = {k: context.get(k) for k in ("open_action", "csrf_token", *PAGE_VALUES)}
    engine = context.template.engine
    return engine.get_template(template).render(
        Context(page | values, autoescape=context.autoescape)
    )
