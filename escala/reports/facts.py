"""Keeps the per-ticket facts (models.TicketFact, TierTimeFact) equal to what the pure metrics
compute from each ticket's history.

- After committed ticket events, the listener recomputes those tickets' facts (a handful of
  indexed queries); merges touch two tickets, both are refreshed.
- `rebuild()` recomputes them in chunks, for bulk loads that bypass the actions (the demo).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from escala.core.rows import insert_many
from escala.sla.models import TicketClock
from escala.tickets.choices import EventKind
from escala.tickets.models import Ticket, TicketEvent, TierStay

from . import metrics, rollups
from .models import TicketFact, TierTimeFact

# Only these kinds change a figure; the others are skipped when loading history.
COUNTED_KINDS = [
    EventKind.CREATED,
    EventKind.REPLIED,
    EventKind.REQUESTER_REPLIED,
    EventKind.RESOLVED,
    EventKind.REOPENED,
]


def on_ticket_events(sender: Any, events: list[TicketEvent], **kwargs: Any) -> None:
    # One refresh for all the events a transaction (or a mail batch) committed.
    ids = set()
    for event in events:
        ids.add(event.ticket_id)
        if event.kind in (EventKind.MERGED, EventKind.ABSORBED):
            other = (event.data or {}).get("ticket_id")
            if isinstance(other, int):
                ids.add(other)
    refresh(ids)


def _history(ticket_ids: Sequence[int]) -> tuple[dict, dict]:
    events: dict[int, list[metrics.Event]] = defaultdict(list)
    for ticket_id, kind, at, actor in (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=COUNTED_KINDS)
        .order_by("created_at", "id")
        .values_list("ticket_id", "kind", "created_at", "actor_id")
    ):
        events[ticket_id].append(metrics.Event(kind, at, actor))
    stays: dict[int, list[metrics.Stay]] = defaultdict(list)
    for ticket_id, level, entered, left, team in (
        TierStay.objects.filter(ticket_id__in=ticket_ids)
        .order_by("entered_at", "id")
        .values_list("ticket_id", "tier__level", "entered_at", "left_at", "team_id")
    ):
        stays[ticket_id].append(metrics.Stay(level, entered, left, team))
    return events, stays


def _sla_states(ticket_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    # The clocks are rewritten by escala.sla's listener, which runs before ours (its app comes
    # first in INSTALLED_APPS); a breach found later by the sweep is an event, so a refresh.
    states: dict[int, dict[str, str]] = defaultdict(dict)
    for ticket_id, kind, target, due_at, stopped_at, breached in TicketClock.objects.filter(
        ticket_id__in=ticket_ids, target__isnull=False
    ).values_list("ticket_id", "kind", "target", "due_at", "stopped_at", "breached"):
        state = metrics.sla_state(
            target=target, due_at=due_at, stopped_at=stopped_at, breached=breached
        )
        if state is not None:
            states[ticket_id][kind] = state
    return states


def _rows(
    ticket: dict, facts: metrics.TicketFacts, sla: dict[str, str]
) -> tuple[TicketFact, list[TierTimeFact]]:
    team = facts.resolving_team_id if facts.resolving_team_id is not None else ticket["team_id"]
    dims = {
        "created_at": ticket["created_at"],
        "organization_id": ticket["organization_id"],
        "category_id": ticket["category_id"],
        "team_id": team,
    }
    fact = TicketFact(
        ticket_id=ticket["id"],
        first_response_s=facts.first_response_seconds,
        ever_resolved=facts.ever_resolved,
        resolved_at=facts.resolved_at,
        resolution_s=facts.resolution_seconds,
        resolving_level=facts.resolving_level,
        resolving_team_id=facts.resolving_team_id,
        resolving_user_id=facts.resolving_actor_id,
        path=metrics.format_path(facts.path)[:60],
        starts_l1=facts.starts_at_l1,
        l1_resolved=facts.l1_resolved,
        first_contact=facts.first_contact,
        reopens=facts.reopens,
        escalations=len(facts.escalations),
        sla=metrics.sla_code(facts.path[-1] if facts.path else None, sla),
        **dims,
    )
    levels = set(facts.tier_seconds) | ({facts.open_level} if facts.open_level else set())
    times = [
        TierTimeFact(
            ticket_id=ticket["id"],
            level=level,
            seconds=facts.tier_seconds.get(level, 0.0),
            open_since_epoch=(
                int(facts.open_since.timestamp())
                if facts.open_level == level and facts.open_since
                else None
            ),
            **dims,
        )
        for level in sorted(levels)
    ]
    return fact, times


def compute(ticket_ids: Sequence[int]) -> tuple[list[TicketFact], list[TierTimeFact]]:
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids)
        .order_by()
        .values("id", "created_at", "organization_id", "category_id", "team_id")
    )
    ids = [t["id"] for t in tickets]
    events, stays = _history(ids)
    sla = _sla_states(ids)
    facts, times = [], []
    for ticket in tickets:
        computed = metrics.ticket_facts(
            created_at=ticket["created_at"],
            events=events.get(ticket["id"], []),
            stays=stays.get(ticket["id"], []),
        )
        fact, tier_times = _rows(ticket, computed, sla.get(ticket["id"], {}))
        facts.append(fact)
        times.extend(tier_times)
    return facts, times


def refresh(ticket_ids: Iterable[int], *, summaries: bool = True) -> None:
    ids = sorted(set(ticket_ids))
    facts, times = compute(ids)
    with transaction.atomic():
        TierTimeFact.objects.filter(ticket_id__in=ids).delete()
        TicketFact.objects.filter(ticket_id__in=ids).delete()
        insert_many(facts)
        insert_many(times)
        if summaries:
            rollups.mark_stale(timezone.localdate(f.created_at) for f in facts)


def rebuild(*, chunk: int = 5000, only_missing: bool = False, progress=None) -> int:
    """Recompute every ticket's facts (or only those without any), chunk by chunk."""
    tickets = Ticket.objects.order_by("pk")
    if only_missing:
        tickets = tickets.filter(report_fact__isnull=True)
    done = 0
    last = 0
    while True:
        ids = list(tickets.filter(pk__gt=last).values_list("pk", flat=True)[:chunk])
        if not ids:
            if done or not only_missing:  # nothing was missing: the summaries stand as they are
                rollups.rebuild()
            return done
        refresh(ids, summaries=False)
        done += len(ids)
        last = ids[-1]
        if progress:
            progress(done)
