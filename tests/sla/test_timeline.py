"""From events to clock runs, on hand-written histories (no database)."""

from datetime import UTC, datetime, timedelta

from escala.sla.choices import ClockKind
from escala.sla.timeline import Event, PauseRules, runs
from escala.tickets.choices import EventKind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def history(*items) -> list[Event]:
    return [Event(n, kind, at(m), *rest) for n, (m, kind, *rest) in enumerate(items, start=1)]


DEFAULT_RULES = PauseRules()


def run_of(events, kind, rules=DEFAULT_RULES):
    return next(r for r in runs(events, rules) if r.kind == kind)


def test_a_thank_you_after_resolution_starts_no_next_response_wait():
    events = history(
        (0, EventKind.CREATED, "", "", {"tier_id": 1}),
        (10, EventKind.REPLIED),
        (20, EventKind.RESOLVED, "status", "resolved"),
        (30, EventKind.REQUESTER_REPLIED),
    )
    assert run_of(events, ClockKind.NEXT_RESPONSE).stopped_at == at(30)


def test_pending_vendor_pauses_the_customer_clock_only_when_the_policy_says_so():
    events = history(
        (0, EventKind.CREATED, "", "", {"tier_id": 1}),
        (10, EventKind.REFERRED_TO_VENDOR, "tier", "L4", {"vendor_id": 7, "vendor_case_id": 3}),
        (10, EventKind.STATUS_CHANGED, "status", "pending_vendor"),
    )
    paused = run_of(events, ClockKind.RESOLUTION, PauseRules(pending_vendor=True))
    running = run_of(events, ClockKind.RESOLUTION, PauseRules(pending_vendor=False))
    assert paused.pauses == ((at(10), None),)
    assert running.pauses == ()
    vendor = run_of(events, ClockKind.VENDOR_RESOLUTION, PauseRules(pending_vendor=True))
    assert (vendor.start, vendor.pauses, vendor.vendor_id) == (at(10), (), 7)


def test_an_escalation_starts_a_new_tier_run_and_a_reopen_resumes_resolution():
    events = history(
        (0, EventKind.CREATED, "", "", {"tier_id": 1}),
        (60, EventKind.ESCALATED, "tier", "L2", {"to_tier_id": 2}),
        (90, EventKind.RESOLVED, "status", "resolved"),
        (120, EventKind.REOPENED, "status", "reopened"),
    )
    tier = run_of(events, ClockKind.TIER)
    assert (tier.tier_id, tier.start, tier.stopped_at) == (2, at(120), None)
    resolution = run_of(events, ClockKind.RESOLUTION)
    assert resolution.stopped_at is None
    assert resolution.pauses == ((at(90), at(120)),)
