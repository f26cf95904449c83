"""Ownership and the status life cycle: claim, assign, status, fields, resolve, reopen, close."""

import contextlib
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock, memo, rows
from escala.core.errors import Forbidden, InvalidTransition, ValidationFailed
from escala.core.inputs import one_line
from escala.people.models import Agent
from escala.people.queries import agent_of, requester_of
from escala.tiers.choices import Impact, Priority, Urgency
from escala.tiers.models import Category
from escala.tiers.queries import priority_for

from .. import events
from ..choices import OPEN_STATUSES, EventKind, Status, StayReason
from ..models import Ticket, VendorCase
from ..permissions import ensure_can_see, ensure_can_work
from ..requester_fields import refuse_staff_fields
from ._common import (
    check_transition,
    close_open_vendor_case,
    close_stay,
    lock,
    lock_many,
    open_stay,
    require_open,
    required_text,
    set_status,
    start_work,
    touch,
)


def claim_ticket(*, ticket: Ticket | int, by: Any, expected_version: int | None = None) -> Ticket:
    agent = agent_of(by)
    if agent is None:
        raise Forbidden(_("Only help desk agents can claim tickets."))
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        _claim(locked, agent=agent, by=by)
    return locked


def claim_new_ticket(*, ticket: Ticket, by: Any) -> Ticket:
    """`claim_ticket` for the ticket the caller has just created in its open transaction (an
    agent taking a phone call): that row is current and no other transaction can see it yet,
    so it is neither locked nor read again. Refuses, writing nothing, as `claim_ticket` does."""
    agent = agent_of(by)
    if agent is None:
        raise Forbidden(_("Only help desk agents can claim tickets."))
    ensure_can_work(by, ticket)  # a call about another level's matter stays in its queue
    # When the events only queue rows, they are written with one statement at the end.
    with rows.buffered() if events.records_later() else contextlib.nullcontext():
        _claim(ticket, agent=agent, by=by)
    return ticket


def _claim(locked: Ticket, *, agent: Agent, by: Any) -> None:
    require_open(locked, _("Claiming"))
    if locked.assignee_id == agent.pk:
        return
    if locked.assignee_id is not None:
        raise InvalidTransition(
            _("%(name)s already works on this ticket; ask a supervisor to reassign it.")
            % {"name": locked.assignee.display_name}
        )
    locked.assignee = agent
    events.record(
        locked,
        EventKind.CLAIMED,
        by=by,
        field="assignee",
        new=agent.display_name,
        data={"agent_id": agent.pk},
    )
    start_work(locked, by=by)
    touch(locked)


def assign_ticket(
    *, ticket: Ticket | int, by: Any, assignee: Agent | None, expected_version: int | None = None
) -> Ticket:
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        require_open(locked, _("Assigning"))
        _check_holder(assignee, locked)
        if (assignee.pk if assignee else None) == locked.assignee_id:
            return locked
        _hand_to(locked, assignee, by=by)
        touch(locked)
    return locked


def _check_holder(assignee: Agent | None, ticket: Ticket) -> None:
    if assignee is not None and not _may_hold(assignee, ticket):
        raise ValidationFailed(
            _("%(name)s is not in a team that works this ticket’s tier.")
            % {"name": assignee.display_name},
            field="assignee",
        )


def _hand_to(ticket: Ticket, assignee: Agent | None, *, by: Any) -> None:
    """Set the assignee with its history; a new holder starts working the ticket."""
    old = ticket.assignee.display_name if ticket.assignee else ""
    ticket.assignee = assignee
    events.record(
        ticket,
        EventKind.ASSIGNED,
        by=by,
        field="assignee",
        old=old,
        new=assignee.display_name if assignee else "",
        data={"agent_id": assignee.pk if assignee else None},
    )
    if assignee is not None:
        start_work(ticket, by=by)


def assign_many(
    ticket_ids: list[int], pick: Callable[[Ticket], Agent | None], *, by: Any
) -> list[Ticket]:
    """`assign_ticket` for many tickets in one go (the relay routing a batch's new tickets):
    the same checks, events and changes, but the tickets are locked and read together and the
    events and ticket updates written with one statement each. `pick(ticket)` is called for
    each open ticket in the order of `ticket_ids`, locked and read, and names its assignee
    (None: left as it is). Raises as `assign_ticket` does, changing nothing (call it in a
    savepoint). Returns the tickets changed."""
    with transaction.atomic():
        locked = lock_many(ticket_ids)
        changed: list[Ticket] = []
        with rows.buffered():  # the events: one INSERT at the end of the block
            for pk in ticket_ids:
                ticket = locked.get(pk)
                if ticket is None or not ticket.is_open:
                    continue  # merged, closed, gone since: left alone, as assign_ticket would
                ensure_can_work(by, ticket)
                assignee = pick(ticket)
                if assignee is None or assignee.pk == ticket.assignee_id:
                    continue
                _check_holder(assignee, ticket)
                _hand_to(ticket, assignee, by=by)
                ticket.updated_at = clock.now()  # as touch(), written below for all
                ticket.version += 1
                changed.append(ticket)
        rows.update_rows(changed, ["assignee", "status", "updated_at", "version"])
    return changed


def _may_hold(agent: Agent, ticket: Ticket) -> bool:
    if agent.is_supervisor:
        return True
    # An agent's teams, read once per batch (a relay routing a hundred tickets to a few agents).
    teams = memo.cached(("agent_teams", agent.pk), lambda: list(agent.teams.all()))
    return any(t.pk == ticket.team_id or t.tier_id == ticket.tier_id for t in teams)


# Statuses an agent sets directly; the others have their own action with its own checks.
DIRECT_STATUSES = {Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_VENDOR}


def change_status(
    *,
    ticket: Ticket | int,
    by: Any,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Ticket:
    if to not in Status.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    if to not in DIRECT_STATUSES:
        raise InvalidTransition(
            _("Use the resolve, reopen or close action to make a ticket “%(to)s”.")
            % {"to": Status(to).label},
            field="status",
        )
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        if locked.status == to:
            return locked
        check_transition(locked, to)
        if (
            to == Status.PENDING_VENDOR
            and not VendorCase.objects.filter(ticket=locked, status="open").exists()
        ):
            raise InvalidTransition(
                _("Refer the ticket to a vendor first; it has no open vendor case."),
                field="status",
            )
        set_status(locked, to, by=by, reason=reason.strip())
        touch(locked)
    return locked


def update_ticket_fields(
    *,
    ticket: Ticket | int,
    by: Any,
    subject: str | None = None,
    category: Category | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    priority: str | None = None,
    expected_version: int | None = None,
    cause: str = "",
    contract_priority: str = "",
) -> Ticket:
    """Change descriptive fields. Impact or urgency recompute the priority from the matrix;
    an explicit priority is an agent's override.

    `cause="sla_breach"` marks a priority change an SLA breach made (the sweep's bump, a trigger
    fired by a breach): its event keeps `contract_priority`, the priority the SLA clocks go on
    being measured against (docs/decisions/0004-sla-clocks.md)."""
    if by is not None:  # a person; None is the system (triggers, the SLA sweep)
        refuse_staff_fields(by, {"impact": impact, "urgency": urgency, "priority": priority})
    if impact is not None and impact not in Impact.values:
        raise ValidationFailed(_("Unknown impact."), field="impact")
    if urgency is not None and urgency not in Urgency.values:
        raise ValidationFailed(_("Unknown urgency."), field="urgency")
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    if subject is not None:
        subject = required_text(
            one_line(subject), field="subject", message=_("A subject is required.")
        )
        if len(subject) > 250:
            raise ValidationFailed(_("The subject is too long."), field="subject")
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        if locked.is_closed:
            raise InvalidTransition(_("A closed ticket cannot be changed."))
        changes: dict[str, tuple[object, object]] = {}
        if subject is not None and subject != locked.subject:
            changes["subject"] = (locked.subject, subject)
            locked.subject = subject
        if category is not None and category.pk != locked.category_id:
            changes["category"] = (locked.category.code if locked.category else "", category.code)
            locked.category = category
        for name, value in (("impact", impact), ("urgency", urgency)):
            if value is not None and value != getattr(locked, name):
                changes[name] = (getattr(locked, name), value)
                setattr(locked, name, value)
        new_priority = priority
        if new_priority is None and ("impact" in changes or "urgency" in changes):
            new_priority = priority_for(locked.impact, locked.urgency)
        if new_priority is not None and new_priority != locked.priority:
            changes["priority"] = (locked.priority, new_priority)
            locked.priority = new_priority
        if not changes:
            return locked
        for name, (old, new) in changes.items():
            data = None
            if name == "priority" and cause:
                data = {"cause": cause, "contract_priority": contract_priority or str(old)}
            events.record(
                locked, EventKind.FIELD_CHANGED, by=by, field=name, old=old, new=new, data=data
            )
        touch(locked)
    return locked


def _check_children_done(ticket: Ticket, verb: str) -> None:
    open_children = list(
        ticket.children.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )
    if open_children:
        from ..models import format_reference

        raise InvalidTransition(
            _("%(verb)s is not possible while child tickets are open: %(refs)s.")
            % {"verb": verb, "refs": ", ".join(format_reference(pk) for pk in open_children)}
        )


def resolve_ticket(
    *, ticket: Ticket | int, by: Any, summary: str, expected_version: int | None = None
) -> Ticket:
    summary = required_text(
        summary, field="summary", message=_("Write a resolution summary: what solved it?")
    )
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        require_open(locked, _("Resolving"))
        check_transition(locked, Status.RESOLVED)
        _check_children_done(locked, _("Resolving"))
        close_open_vendor_case(locked, by=by, outcome=summary)
        close_stay(locked, by=by, reason=StayReason.RESOLVED)
        now = clock.now()
        events.record(
            locked,
            EventKind.RESOLVED,
            by=by,
            field="status",
            old=locked.status,
            new=Status.RESOLVED,
            reason=summary,
            data={
                "tier_id": locked.tier_id,
                "team_id": locked.team_id,
                "agent_id": locked.assignee_id,
            },
        )
        locked.status = Status.RESOLVED
        locked.resolved_at = now
        locked.resolution_summary = summary
        touch(locked)
    return locked


def reopen_locked(ticket: Ticket, *, by: Any, reason: str) -> None:
    """Reopen an already locked, resolved ticket; it resumes at the tier that resolved it."""
    check_transition(ticket, Status.REOPENED)
    events.record(
        ticket,
        EventKind.REOPENED,
        by=by,
        field="status",
        old=ticket.status,
        new=Status.REOPENED,
        reason=reason,
    )
    ticket.status = Status.REOPENED
    ticket.resolved_at = None
    open_stay(
        ticket, tier=ticket.tier, team=ticket.team, by=by, reason=StayReason.REOPENED, note=reason
    )


def reopen_ticket(
    *, ticket: Ticket | int, by: Any, reason: str, expected_version: int | None = None
) -> Ticket:
    reason = required_text(reason, field="reason", message=_("Say why the ticket is reopened."))
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        _ensure_agent_or_requester(by, locked)
        if locked.status != Status.RESOLVED:
            raise InvalidTransition(
                _("Only a resolved ticket can be reopened; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        reopen_locked(locked, by=by, reason=reason)
        touch(locked)
    return locked


def close_ticket(
    *, ticket: Ticket | int, by: Any, reason: str = "", expected_version: int | None = None
) -> Ticket:
    """Close for good. A resolved ticket closes as is; an unresolved one needs a reason."""
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        _ensure_agent_or_requester(by, locked)
        check_transition(locked, Status.CLOSED)
        if locked.status != Status.RESOLVED and agent_of(by) is not None:
            reason = required_text(
                reason,
                field="reason",
                message=_("Say why an unresolved ticket is closed."),
            )
        _check_children_done(locked, _("Closing"))
        close_open_vendor_case(locked, by=by, outcome=reason)
        close_stay(locked, by=by, reason=StayReason.CLOSED)
        events.record(
            locked,
            EventKind.CLOSED,
            by=by,
            field="status",
            old=locked.status,
            new=Status.CLOSED,
            reason=reason.strip(),
        )
        locked.status = Status.CLOSED
        locked.closed_at = clock.now()
        touch(locked)
    return locked


def _ensure_agent_or_requester(by: Any, ticket: Ticket) -> None:
    """Agents who work the ticket, and requesters who can see it, may reopen or close it."""
    if by is not None and requester_of(by) is not None and agent_of(by) is None:
        ensure_can_see(by, ticket)
    else:
        ensure_can_work(by, ticket)
