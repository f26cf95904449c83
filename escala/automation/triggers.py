"""Triggers: on an event, if the ticket matches the conditions, run the actions.

Loop-proof: an event caused by a trigger's actions never fires triggers. Two guards make sure of
it: a context flag set while actions run (events committed during them are skipped), and the ids
of the events they wrote (for listeners that run later, e.g. in a test's captured callbacks).
"""

from __future__ import annotations

import contextvars
import logging
from collections import OrderedDict
from typing import Any

from django.utils.translation import gettext as _

from escala.core import memo, rows
from escala.core.errors import DomainError
from escala.people.models import Agent
from escala.sla.timeline import BREACH_CAUSE, contract_priority
from escala.tickets import events
from escala.tickets.actions import (
    assign_ticket,
    change_status,
    escalate_ticket,
    update_ticket_fields,
)
from escala.tickets.choices import EventKind
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.models import Team

from .actions import add_tag, set_team
from .choices import ActionKind, ConditionField, Operator
from .models import Trigger
from .notify import notify

log = logging.getLogger(__name__)

_in_trigger: contextvars.ContextVar[bool] = contextvars.ContextVar("in_trigger", default=False)
_caused: OrderedDict[int, None] = OrderedDict()
_CAUSED_MAX = 10_000


def _remember(event_ids: list[int]) -> None:
    for pk in event_ids:
        _caused[pk] = None
    while len(_caused) > _CAUSED_MAX:
        _caused.popitem(last=False)


def caused_by_trigger(event: TicketEvent) -> bool:
    """Each event reaches the listener once, so a remembered id is forgotten when it is used."""
    if event.pk in _caused:
        del _caused[event.pk]
        return True
    return _in_trigger.get()


def forget_caused() -> None:
    _caused.clear()


def field_value(ticket: Ticket, name: str) -> Any:
    if name == ConditionField.TIER_LEVEL:
        return str(ticket.tier.level)
    if name == ConditionField.TEAM:
        return str(ticket.team_id or "")
    if name == ConditionField.CATEGORY:
        return ticket.category.code if ticket.category_id else ""
    if name == ConditionField.ORGANIZATION:
        return str(ticket.organization_id)
    if name == ConditionField.ASSIGNED:
        return "true" if ticket.assignee_id else "false"
    if name == ConditionField.TAG:
        return set(ticket.tags.values_list("name", flat=True))
    return str(getattr(ticket, name))


def matches(ticket: Ticket, conditions: list[dict[str, Any]]) -> bool:
    for cond in conditions:
        actual = field_value(ticket, cond["field"])
        op = cond.get("op", Operator.IS)
        wanted = cond["value"]
        wanted_set = {str(v) for v in (wanted if isinstance(wanted, list) else [wanted])}
        actual_set = actual if isinstance(actual, set) else {actual}
        hit = bool(actual_set & wanted_set)
        if (op == Operator.IS_NOT and hit) or (op != Operator.IS_NOT and not hit):
            return False
    return True


def breach_caused(event: TicketEvent) -> bool:
    """An SLA breach, or the priority bump a breach made: what a trigger does on it is a
    breach's consequence too, and must not re-target the SLA clocks."""
    return event.kind == EventKind.SLA_BREACHED or (event.data or {}).get("cause") == BREACH_CAUSE


def _set_priority(ticket: Ticket, value: str, *, cause: str) -> None:
    if not cause:
        update_ticket_fields(ticket=ticket.pk, by=None, priority=value)
        return
    history = TicketEvent.objects.filter(ticket_id=ticket.pk).only(
        "id", "kind", "created_at", "field", "new_value", "data"
    )
    update_ticket_fields(
        ticket=ticket.pk,
        by=None,
        priority=value,
        cause=cause,
        contract_priority=contract_priority(list(history), ticket.priority),
    )


def _run_action(
    ticket: Ticket, action: dict[str, Any], trigger: Trigger, *, cause: str = ""
) -> None:
    kind, value = action.get("action"), action.get("value")
    if kind == ActionKind.SET_PRIORITY:
        _set_priority(ticket, value, cause=cause)
    elif kind == ActionKind.SET_STATUS:
        change_status(ticket=ticket.pk, by=None, to=value)
    elif kind == ActionKind.SET_TEAM:
        set_team(ticket=ticket.pk, by=None, team=Team.objects.get(pk=value))
    elif kind == ActionKind.ADD_TAG:
        add_tag(ticket=ticket.pk, by=None, tag=value)
    elif kind == ActionKind.ASSIGN:
        assign_ticket(ticket=ticket.pk, by=None, assignee=Agent.objects.get(pk=value))
    elif kind == ActionKind.ESCALATE:
        escalate_ticket(
            ticket=ticket.pk,
            by=None,
            reason=action.get("reason")
            or _("Automatic escalation by the trigger “%(name)s”.") % {"name": trigger.name},
            handover=action.get("handover")
            or _("Escalated by an automatic trigger; read the history for what was done so far."),
        )
    elif kind == ActionKind.NOTIFY:
        ticket.refresh_from_db()
        if value == "assignee":
            agents = [ticket.assignee] if ticket.assignee_id else []
        elif value == "supervisors":
            from escala.sla.actions import supervisors_of

            agents = supervisors_of(ticket)
        else:
            agents = list(Agent.objects.filter(pk=value))
        notify(ticket=ticket, agents=agents, kind="trigger", data={"trigger_action": action})


@memo.batch_cached
def _active_triggers_by_kind() -> dict[str, list[Trigger]]:
    # In a batch (the relay's) read once for all the event kinds it meets, not once per kind.
    found: dict[str, list[Trigger]] = {}
    for trigger in Trigger.objects.filter(is_active=True):  # in their order (Meta)
        found.setdefault(trigger.event, []).append(trigger)
    return found


def _active_triggers(kind: str) -> list[Trigger]:
    return _active_triggers_by_kind().get(kind, [])


_PRELOADED = ("trigger_tickets",)


def preload(events: list[TicketEvent]) -> None:
    """The relay's batch: read with one query the tickets its events' triggers look at (after
    routing, the set-wise step before them). Each is used once, by the first of its events to
    fire (`_ticket`); anything a trigger's actions change is read again."""
    memo.take(_PRELOADED)  # an earlier generation's leftovers (events caused by a trigger)
    ids = {e.ticket_id for e in events if _active_triggers(e.kind)}
    if ids:
        tickets = Ticket.objects.select_related("tier", "category").filter(pk__in=ids)
        memo.remember(_PRELOADED, {t.pk: t for t in tickets})


def forget_preloaded(ticket_id: int | None = None) -> None:
    """A ticket changed since `preload` read it (None: any may have)."""
    found = memo.get(_PRELOADED)
    if found:
        if ticket_id is None:
            found.clear()
        else:
            found.pop(ticket_id, None)


def _ticket(ticket_id: int) -> Ticket:
    found = memo.get(_PRELOADED)
    ticket = found.pop(ticket_id, None) if found else None
    return ticket or Ticket.objects.select_related("tier", "category").get(pk=ticket_id)


def _latest_event_id(ticket_id: int) -> int:
    latest = (
        TicketEvent.objects.filter(ticket_id=ticket_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return latest or 0


def fire(event: TicketEvent) -> list[str]:
    """Run the active triggers for `event`; return the names of those that fired."""
    if caused_by_trigger(event):
        return []
    triggers = _active_triggers(event.kind)
    if not triggers:
        return []
    fired = []
    cause = BREACH_CAUSE if breach_caused(event) else ""
    token = _in_trigger.set(True)
    # The events the actions record are known without a query, unless a mail batch holds them
    # back (no ids yet): then they are those after the ticket's latest one now.
    buffered = rows.is_buffered()
    before = _latest_event_id(event.ticket_id) if buffered else 0
    try:
        with events.watching() as recorded:
            ticket = None
            for trigger in triggers:
                # Read again only after another trigger's actions may have changed it.
                ticket = ticket or _ticket(event.ticket_id)
                if not matches(ticket, trigger.conditions):
                    continue
                fired.append(trigger.name)
                forget_preloaded()  # its actions may change any ticket
                for action in trigger.actions:
                    try:
                        _run_action(ticket, action, trigger, cause=cause)
                    except (DomainError, Team.DoesNotExist, Agent.DoesNotExist) as exc:
                        log.warning("Trigger %s: action %s refused: %s", trigger.name, action, exc)
                ticket = None
        if buffered:
            _remember(
                list(
                    TicketEvent.objects.filter(
                        ticket_id=event.ticket_id, pk__gt=before
                    ).values_list("pk", flat=True)
                )
            )
        else:
            _remember([e.pk for e in recorded if e.pk is not None])
    finally:
        _in_trigger.reset(token)
    return fired
