"""Automation's own actions: tags, team changes, macros. Same habits as the ticket actions:
keyword-only, `by=` user (None = the system), one transaction, an event for every change."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, InvalidTransition, ValidationFailed
from escala.people.models import Agent
from escala.people.queries import agent_of, is_admin
from escala.tickets import events
from escala.tickets.actions import add_reply, change_status, update_ticket_fields
from escala.tickets.actions._common import lock, touch
from escala.tickets.choices import EventKind
from escala.tickets.models import Message, Ticket
from escala.tickets.permissions import ensure_can_work
from escala.tiers.models import Team

from .models import Macro, TicketTag


def add_tag(*, ticket: Ticket | int, by: Any, tag: str) -> bool:
    name = slugify(tag)[:50]
    if not name:
        raise ValidationFailed(_("A tag needs letters or digits."), field="tag")
    with transaction.atomic():
        locked = lock(ticket)
        ensure_can_work(by, locked)
        _row, created = TicketTag.objects.get_or_create(ticket=locked, name=name)
        if created:
            events.record(locked, EventKind.FIELD_CHANGED, by=by, field="tags", new=name)
            touch(locked)
    return created


def set_team(*, ticket: Ticket | int, by: Any, team: Team) -> Ticket:
    """Move a ticket to another team of the same tier (other tiers: escalate/de-escalate)."""
    with transaction.atomic():
        locked = lock(ticket)
        ensure_can_work(by, locked)
        if not locked.is_open:
            raise InvalidTransition(_("Only an open ticket can change team."), field="team")
        if team.tier_id != locked.tier_id:
            raise ValidationFailed(
                _("Team %(team)s does not work at %(tier)s.") % {"team": team, "tier": locked.tier},
                field="team",
            )
        if team.pk == locked.team_id:
            return locked
        events.record(
            locked,
            EventKind.FIELD_CHANGED,
            by=by,
            field="team",
            old=locked.team.name if locked.team else "",
            new=team.name,
            data={"from_team_id": locked.team_id, "to_team_id": team.pk},
        )
        locked.team = team
        touch(locked)
    return locked


def set_away(*, agent: Agent, by: Any, away: bool) -> Agent:
    """An agent marks themself away (or back); supervisors and admins may do it for them.
    Routing skips agents who are away."""
    actor = agent_of(by) if by is not None else None
    if (
        by is not None
        and not is_admin(by)
        and actor != agent
        and not (actor and actor.is_supervisor)
    ):
        raise Forbidden(_("Only the agent, a supervisor or an admin can change this."))
    if agent.is_away != away:
        agent.is_away = away
        agent.save(update_fields=["is_away"])
    return agent


PLACEHOLDER = re.compile(r"{{\s*([a-z_.]+)\s*}}")
# Every placeholder a macro may use (the admin refuses any other).
PLACEHOLDERS = (
    "requester.name",
    "ticket.reference",
    "ticket.subject",
    "ticket.tier",
    "agent.name",
)
# Anything that looks like a placeholder, even misspelt ("{{ Requester Name }}").
ANY_PLACEHOLDER = re.compile(r"{{(.*?)}}")


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that a macro cannot fill (they would reach the requester)."""
    out = []
    for match in ANY_PLACEHOLDER.finditer(text or ""):
        name = match.group(1).strip()
        if name not in PLACEHOLDERS:
            out.append(match.group(0))
    return out


def render_macro(macro: Macro, *, ticket: Ticket, by: Any) -> str:
    """The macro's reply in the requester's language, placeholders filled in."""
    return fill_placeholders(macro, "body", ticket=ticket, by=by)


def fill_placeholders(source: Any, field: str, *, ticket: Ticket, by: Any) -> str:
    """`source`'s localized `field` (a macro's or a canned reply's text) in the requester's
    language, its placeholders filled in; an unknown placeholder is left as written."""
    language = ticket.requester.language or "es"
    with translation.override(language):
        body = source.localized(field)
        values = {
            "requester.name": ticket.requester.name,
            "ticket.reference": ticket.reference,
            "ticket.subject": ticket.subject,
            "ticket.tier": str(ticket.tier),
            "agent.name": (by.get_full_name() or by.get_username()) if by else "Escala",
        }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def apply_macro(
    *, ticket: Ticket | int, macro: Macro, by: Any, send_reply: bool = True
) -> Message | None:
    """Send the macro's reply (if it has one) and set its fields, all or nothing.

    `send_reply=False`: the console's reply box inserted the macro's text for the agent to edit
    and sends it itself, in the same transaction; only the fields are set here."""
    if not macro.is_active:
        raise ValidationFailed(_("This macro is no longer in use."), field="macro")
    with transaction.atomic():
        current = lock(ticket)
        ensure_can_work(by, current)
        message = None
        body = render_macro(macro, ticket=current, by=by) if send_reply else ""
        if body.strip():
            message = add_reply(ticket=current.pk, by=by, body=body)
        if macro.set_priority:
            update_ticket_fields(ticket=current.pk, by=by, priority=macro.set_priority)
        if macro.set_status:
            change_status(ticket=current.pk, by=by, to=macro.set_status)
        if macro.add_tag:
            add_tag(ticket=current.pk, by=by, tag=macro.add_tag)
    return message
