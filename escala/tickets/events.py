"""Every change to a ticket is an event row, written here, in the caller's transaction.

Listeners hear about events in three ways:
- `ticket_event_recorded`: at once, inside the event's transaction (for writes that must commit
  or roll back with the event, such as the mail outbox);
- `ticket_event_committed`: once per event after its transaction has committed (webhooks,
  triggers, routing);
- `ticket_events_committed`: the same events as a list, so a costly listener (SLA clocks,
  report facts) works once per ticket for a whole batch. Outside `batched()` each list holds one
  event; inside it (mail ingest), one list holds every event the batch committed.
- `tickets_touched`: right after the commit, always in the committing process (whatever
  ESCALA_EVENT_RELAY says), once per commit with the tickets it changed and where they were and
  are routed: the live console (desk.live) marks them changed at once, so open pages see an API
  or mail change without waiting for the worker's relay.

When the committed-event listeners run is ESCALA_EVENT_RELAY's choice:
- "inline": in the process that committed, right after the commit (one process, no worker);
- "worker" (the default): the event's transaction also writes a QueuedEvent row, and `relay()`
  runs the listeners for a batch of them in the worker, in the transaction that deletes the
  rows: nothing is lost if the web process dies after its commit, nothing runs twice, and an API
  or mail burst costs the request only its own inserts. Interactive pages wrap their action in
  `relayed_now()` so the agent sees the consequences (clocks, routing) on the next render; a
  page answered with a redirect (a new request, a reply) leaves them to the worker, woken at
  once, and to its author's next request (`relay_on_next_request`, docs/decisions/0021).
Events the relay's listeners record (routing's assignment, a trigger's change) are relayed in
the same batch, so the list listeners build a ticket's clocks and facts once.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.dispatch import Signal
from django_tasks_db.utils import exclusive_transaction

from escala.core import clock, memo, rows

from .choices import EventKind
from .models import QueuedEvent, Ticket, TicketEvent

log = logging.getLogger(__name__)

ticket_event_recorded = Signal()  # sender=TicketEvent, event=TicketEvent (in the transaction)
ticket_event_committed = Signal()  # sender=TicketEvent, event=TicketEvent
ticket_events_committed = Signal()  # sender=TicketEvent, events=list[TicketEvent]
# The relay only (docs/decisions/0025): `ticket_events_relaying` before the per-event listeners
# of each generation of a batch, so a listener can do its per-event work for all of them at once
# (routing assigns a batch's new tickets together); `ticket_events_relayed` after every listener,
# just before the commit, for writes to rows every worker writes (a team's round-robin pointer):
# their locks are then held the shortest time.
ticket_events_relaying = Signal()  # sender=TicketEvent, events=list[TicketEvent]
ticket_events_relayed = Signal()  # sender=TicketEvent
# sender=Ticket, routes={ticket_id: {("tier", id), ("team", id), ("agent", id), ...}},
# created={ids of those the transaction created}
tickets_touched = Signal()

_local = threading.local()
# Events a relayed batch's own listeners may add to it; beyond, they wait in the queue (a trigger
# that keeps firing itself cannot grow one transaction without end).
MAX_FOLLOW_UPS = 2000
# PostgreSQL channel a worker listens on, so a page's events are relayed at once, not next tick.
WAKE_CHANNEL = "escala_relay"


def _name(user: Any) -> str:
    if user is None:
        return "Escala"
    return user.get_full_name() or user.get_username()


def record(
    ticket: Ticket,
    kind: str,
    *,
    by: Any,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = rows.new(
        TicketEvent,
        ticket=ticket,
        kind=kind,
        actor=by,
        actor_name=_name(by),
        created_at=clock.now(),
        field=field,
        old_value="" if old is None else str(old)[:250],
        new_value="" if new is None else str(new)[:250],
        reason=reason,
        data=data or {},
    )
    # History nothing reads before the commit: a mail batch writes its events together.
    rows.insert_later(event)
    _touch(ticket, created=kind == EventKind.CREATED)
    for seen in getattr(_local, "watchers", ()):
        seen.append(event)
    if not relays_in_worker():
        ticket_event_recorded.send(sender=TicketEvent, event=event)
        transaction.on_commit(lambda: _committed(event), robust=True)
        return event
    mine = getattr(_local, "now", None)
    relaying = getattr(_local, "relaying", False)
    handed = getattr(_local, "handed", None)
    if handed is not None and not relaying:
        # A mail batch (`left_to_worker`): the receipt is written now, in the transaction that
        # files the mail (it answers that mail, within its limits); the rest is the worker's.
        ticket_event_recorded.send(sender=TicketEvent, event=event)
        rows.insert_later(QueuedEvent(event=event, recorded_later=False))
        handed.append(event)
        return event
    deferred = mine is not None and getattr(_local, "deferred", None) is not None
    extra = getattr(_local, "extra", None)
    if relaying and extra is not None and len(extra) < MAX_FOLLOW_UPS:
        # A listener of the relay's batch (routing, a trigger): the batch relays this event too,
        # in its transaction, so the clocks and facts of its ticket are built once, not twice.
        ticket_event_recorded.send(sender=TicketEvent, event=event)
        extra.append(event)
        return event
    # Outside a page, a mail batch or the relay itself (an API request, a page that lets the
    # next request relay), even the listeners of the event's own transaction wait for the
    # relay: the request writes its rows and answers.
    later = (mine is None or deferred) and not relaying
    if not later:
        ticket_event_recorded.send(sender=TicketEvent, event=event)
    rows.insert_later(QueuedEvent(event=event, recorded_later=later))  # read after commit only
    if deferred:
        # Its id is known once written; one of a rolled-back transaction is never queued, so
        # the next request's relay finds nothing for it.
        _local.deferred.append(event)
        # The worker is woken by the statement that writes the held rows (at the commit), or
        # else after the response (`wake_worker`).
        if not rows.notify_with_flush(WAKE_CHANNEL):
            _local.wake_after = True
        elif getattr(_local, "wake_after", None) is None:
            _local.wake_after = False
    elif mine is not None:
        mine.append(event)  # its id is known at the commit
        transaction.on_commit(lambda: _relay_mine(mine), robust=True)
    return event


def _touch(ticket: Ticket, *, created: bool = False) -> None:
    """Remember the ticket (with its routing before and after the change) for `tickets_touched`,
    sent once right after the commit. As with `_relay_mine`, the first callback of a commit takes
    every ticket noted so far; one noted in a rolled-back block is only sent with the next
    commit, a harmless extra "changed" for the pages that show it. A ticket `created` in the
    transaction is sent in `created` too: no page can have shown it before the commit."""
    if not tickets_touched.has_listeners(Ticket):
        return
    touched = getattr(_local, "touched", None)
    if touched is None:
        touched = _local.touched = {}
        _local.created = set()
    if created:
        _local.created.add(ticket.pk)
    routes = touched.setdefault(ticket.pk, set())
    was = getattr(ticket, "routed_as_loaded", None) or ()
    now = (ticket.tier_id, ticket.team_id, ticket.assignee_id)
    for tier, team, agent in (was, now) if was else (now,):
        routes.update((("tier", tier), ("team", team), ("agent", agent)))
    transaction.on_commit(_send_touched, robust=True)


def _send_touched() -> None:
    touched = getattr(_local, "touched", None)
    if touched:
        created, _local.touched, _local.created = _local.created, {}, set()
        tickets_touched.send_robust(sender=Ticket, routes=touched, created=created)


@contextlib.contextmanager
def watching() -> Iterator[list[TicketEvent]]:
    """The events recorded in the block, in a list (ids set once written): a caller that must
    know what its own actions recorded (triggers) needs no query before and after."""
    seen: list[TicketEvent] = []
    outer = getattr(_local, "watchers", ())
    _local.watchers = (*outer, seen)
    try:
        yield seen
    finally:
        _local.watchers = outer


def in_relay() -> bool:
    """True while `relay()` runs the listeners of a batch (in its transaction)."""
    return bool(getattr(_local, "relaying", False))


def relays_in_worker() -> bool:
    return settings.ESCALA_EVENT_RELAY == "worker"


def _committed(event: TicketEvent) -> None:
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.append(event)  # sent when the batch ends
    else:
        _send([event])


def _send(events: list[TicketEvent]) -> None:
    for event in events:
        ticket_event_committed.send_robust(sender=TicketEvent, event=event)
    if events:
        ticket_events_committed.send_robust(sender=TicketEvent, events=events)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Hold back the committed-event signals until the block ends, then send them together.
    Wrap a block whose transactions commit many events (one transaction per mail batch): events
    of a rolled-back transaction or savepoint are never collected, since on_commit drops them."""
    if getattr(_local, "pending", None) is not None:
        yield  # already batching: the outer block sends
        return
    _local.pending = []
    try:
        yield
    finally:
        pending, _local.pending = _local.pending, None
        _send(pending)


# --- The worker's relay ------------------------------------------------------------------------


class _BatchBroken(Exception):
    pass


def relay(*, limit: int = 200, event_ids: list[int] | None = None, wait: bool = False) -> int:
    """Run the committed-event listeners for up to `limit` queued events (oldest first, or those
    of `event_ids`); return how many. The rows are locked with SKIP LOCKED, so workers sharing
    a PostgreSQL database each take their own (`wait`: wait for a worker holding some instead,
    so the caller sees their consequences); they are deleted in the same transaction as the
    listeners' writes, so a crash leaves them queued for the next run. Events the listeners
    record (routing's assignment, a trigger's change) are relayed in the same batch."""
    queued = QueuedEvent.objects.order_by("event_id")
    if event_ids is not None:
        queued = queued.filter(event_id__in=event_ids)
    outer, _local.relaying = getattr(_local, "relaying", False), True
    outer_extra = getattr(_local, "extra", None)
    try:
        # The batch's listeners read each small row once (memo), as a mail batch's do.
        with (
            memo.batch(),
            exclusive_transaction(),
        ):  # SQLite has no row locks: one relay (one writer) at once
            queued_rows = dict(
                queued.select_for_update(skip_locked=not wait).values_list(
                    "event_id", "recorded_later"
                )[:limit]
            )
            if not queued_rows:
                return 0
            QueuedEvent.objects.filter(event_id__in=list(queued_rows)).delete()
            # With their tickets as the relay found them: the receipt of an API-created ticket
            # and routing's first look need no query of their own.
            events = list(
                TicketEvent.objects.filter(pk__in=list(queued_rows))
                .select_related("ticket", "ticket__requester")
                .order_by("pk")
            )
            later = [e for e in events if queued_rows[e.pk]]
            remembered = memo.snapshot()
            try:
                with transaction.atomic():  # one savepoint for the batch, if nothing breaks
                    # The receipts of a burst of new tickets are written together, as a mail
                    # batch's are (no savepoint each: a database error retries event by event).
                    # Other mails may read what came before them (threading): written at once.
                    with rows.buffered():
                        for event in later:
                            if event.kind == EventKind.CREATED:
                                ticket_event_recorded.send(sender=TicketEvent, event=event)
                    for event in later:
                        if event.kind != EventKind.CREATED:
                            ticket_event_recorded.send(sender=TicketEvent, event=event)
                    _send_batch(events, guarded=False)
                    ticket_events_relayed.send_robust(sender=TicketEvent)
                    if connection.needs_rollback:  # an inner block failed: roll it all back
                        raise _BatchBroken
            except (DatabaseError, _BatchBroken):
                # A listener left a database error (its own exception was caught and logged):
                # again event by event, each in its own savepoint, so one spoils no other.
                log.warning("Relaying events %s again one by one", list(queued_rows))
                # What the batch remembered came from its rolled-back writes (routing's counts,
                # the tickets it routed together): forgotten, read again.
                memo.restore(remembered)
                _local.extra = None
                for event in later:
                    _guarded(ticket_event_recorded, event=event)
                _send_batch(events, guarded=True)
                _guarded(ticket_events_relayed)
        return len(queued_rows)
    finally:
        _local.relaying = outer
        _local.extra = outer_extra


def _send_batch(events: list[TicketEvent], *, guarded: bool) -> None:
    """The per-event listeners of the batch, then of the events they recorded (and so on), then
    the list listeners once for all of them: a routed ticket's clocks and facts are built once.
    Guarded (run again event by event after a failure), no set-wise step: each event alone."""
    everything = list(events)
    generation = events
    while generation:
        _local.extra = []
        if not guarded:
            # Set-wise work for the generation (routing): what it records joins the next one.
            ticket_events_relaying.send_robust(sender=TicketEvent, events=generation)
        for event in generation:
            if guarded:
                _guarded(ticket_event_committed, event=event)
            else:
                ticket_event_committed.send_robust(sender=TicketEvent, event=event)
        generation, _local.extra = _kept(_local.extra), None
        everything += generation
    # Events the list listeners record wait in the queue (nothing would relay them here).
    if guarded:
        _guarded(ticket_events_committed, events=everything)
    elif everything:
        ticket_events_committed.send_robust(sender=TicketEvent, events=everything)


def _kept(recorded: list[TicketEvent]) -> list[TicketEvent]:
    # A listener's savepoint that rolled back took its events with it: only those still there.
    recorded = [e for e in recorded if e.pk is not None]
    if not recorded:
        return []
    there = set(
        TicketEvent.objects.filter(pk__in=[e.pk for e in recorded]).values_list("pk", flat=True)
    )
    return [e for e in recorded if e.pk in there]


def relay_all(*, batch: int = 200) -> int:
    """Relay until the queue is empty (events written by the listeners included)."""
    total = 0
    while n := relay(limit=batch):
        total += n
    return total


@contextlib.contextmanager
def relayed_now() -> Iterator[None]:
    """Inside the block, each transaction's events are relayed in this process as soon as it
    commits (still through the queue, so a crash leaves them to the worker): a page's next
    render, or the htmx fragment it returns after the action, shows the consequences. A view
    that answers with a redirect calls `relay_on_next_request()` instead."""
    if getattr(_local, "now", None) is not None:
        yield
        return
    _local.now = []
    _local.deferred = None
    try:
        yield
    finally:
        _local.now = None
        _local.deferred = None


@contextlib.contextmanager
def left_to_worker() -> Iterator[list[TicketEvent]]:
    """Inside the block (a mail ingest), each event's in-transaction listeners run at once (the
    receipt of a new ticket answers the mail it is filed from, by the mail's own rules), and the
    committed ones (clocks, facts, triggers, notifications) are left to the worker, woken once
    when the block ends (after its commit): the ingest and the relay run side by side. Yields the
    events recorded in it (a rolled-back savepoint's are still listed; they were never queued),
    or None when they are not left to the worker (inline relay, or a page that relays its own)."""
    outer = getattr(_local, "handed", None)
    if outer is not None:
        yield outer
        return
    if getattr(_local, "now", None) is not None or not relays_in_worker():
        yield None
        return
    _local.handed = []
    try:
        yield _local.handed
    finally:
        handed, _local.handed = _local.handed, None
        if handed:  # at once, or at the commit of a caller's transaction
            transaction.on_commit(lambda: wake_worker(), robust=True)


def relay_on_next_request() -> None:
    """Within `relayed_now()`: leave this request's events to the worker (woken at once) and to
    the author's next request, which relays whatever the worker has not (`take_deferred`, see
    tickets.middleware). For a view that answers with a redirect: its own answer shows nothing
    of the consequences, the page it redirects to does."""
    if getattr(_local, "now", None) is not None and getattr(_local, "deferred", None) is None:
        _local.deferred = []
        _local.wake_after = None


def records_later() -> bool:
    """True when an event recorded now only writes its rows, its listeners all left to the
    relay (the API, mail, a page that lets the next request relay): then nothing reads the
    action's rows before its commit, and they may be written together (`rows.buffered`)."""
    if not relays_in_worker() or getattr(_local, "relaying", False):
        return False
    return getattr(_local, "now", None) is None or getattr(_local, "deferred", None) is not None


def take_deferred() -> list[int]:
    """The ids of the events this request committed and left for later (see above)."""
    recorded = getattr(_local, "deferred", None) or []
    _local.deferred = None
    return [event.pk for event in recorded if event.pk is not None]


def relay_for_author(event_ids: list[int]) -> None:
    """Relay these events now, unless done: the author's page shows their consequences. A worker
    relaying them right now is waited for (its commit is what the page must see)."""
    try:
        relay(event_ids=event_ids, limit=len(event_ids), wait=True)
    except DatabaseError:
        log.exception("Events %s could not be relayed now; the worker will", event_ids)


def wake_worker() -> None:
    """Tell a waiting worker (PostgreSQL LISTEN) that events are queued: it relays them at once
    instead of at its next tick. Without PostgreSQL the worker's tick (a second) does."""
    woken_in_commit = getattr(_local, "wake_after", None) is False
    _local.wake_after = None
    if connection.vendor != "postgresql" or woken_in_commit:
        return  # every event deferred since relay_on_next_request() notified in its commit
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [WAKE_CHANNEL])
    except DatabaseError:
        log.warning("Could not wake the worker; it relays at its next tick", exc_info=True)


def wait_for_events(seconds: float) -> None:
    """Sleep up to `seconds`, or less when a page wakes the worker (PostgreSQL). Call outside a
    transaction (the worker between ticks)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        time.sleep(seconds)
        return
    try:
        connection.ensure_connection()
        raw = connection.connection
        if getattr(raw, "_escala_listening", False) is not True:
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {WAKE_CHANNEL}")
            raw._escala_listening = True
        for _notice in raw.notifies(timeout=seconds, stop_after=1):
            break
    except (DatabaseError, AttributeError):  # an old driver or a dropped connection: just sleep
        log.debug("Waiting for a wake-up failed; sleeping", exc_info=True)
        time.sleep(seconds)


def _relay_mine(mine: list[TicketEvent]) -> None:
    # The first callback of a commit takes every event recorded so far; the later ones find none.
    ids = [event.pk for event in mine]
    mine.clear()
    if ids:
        try:
            relay(event_ids=ids, limit=len(ids))
        except DatabaseError:
            log.exception("Events %s could not be relayed now; the worker will", ids)


def _guarded(signal: Signal, **kwargs: Any) -> None:
    # send_robust catches a listener's exception, but a database error would leave the relay's
    # transaction aborted: each send gets a savepoint, rolled back alone if it broke.
    try:
        with transaction.atomic():
            for receiver, result in signal.send_robust(sender=TicketEvent, **kwargs):
                if isinstance(result, Exception):
                    log.error("Listener %r failed", receiver, exc_info=result)
    except DatabaseError:
        log.exception("Listeners of %s left a database error", kwargs)
