"""Pure arithmetic behind every figure of the tier dashboard.

Nothing here touches the ORM: functions take plain event and stay records (as read from
TicketEvent, TierStay and VendorCase) and return plain values, so each figure is tested with small
hand-computed tables. `queries.py` loads the history and feeds it in; `facts.py` stores the
per-ticket facts computed here so the dashboard aggregates them in SQL at any volume.

Definitions (the dashboard shows the same text, in Spanish and English, next to each figure):

- A ticket's *path* is the list of tier levels it stayed at, in order, with repeats of the same
  level in a row collapsed (a reopen resumes at the same tier).
- An *escalation* is a move in the path to a higher level (escalate or refer to a vendor).
- *Level 1 resolution*: the ticket started at Level 1, is resolved, and every stay was at
  Level 1 (it never left Level 1). Rate = those / resolved tickets that started at Level 1.
- *First-contact resolution*: a Level 1 resolution that was never reopened, where the desk sent
  at most one public reply before resolving and the requester wrote nothing between opening the
  ticket and its resolution. Rate over the same denominator as Level 1 resolution.
- *Resolved* means the ticket's last resolution still stands (it is resolved or was closed after
  being resolved); closing an unresolved ticket is not a resolution.
- *Time to first response*: creation to the first public agent reply (calendar time; pauses
  waiting for the customer are included; business-hours clocks belong to SLAs).
- *Time to resolution*: creation to the last resolution (calendar time, reopens included).
- *Resolving tier/team/agent*: the tier and team of the stay the ticket was at when last resolved,
  and the agent who resolved it.
- *Time at a tier*: the sum of that tier's stays, left_at - entered_at; a stay still open counts
  up to `now`.
- *Reopen rate*: tickets reopened at least once / tickets resolved at least once.
- Percentiles are linearly interpolated between closest ranks (PostgreSQL's percentile_cont).
- *SLA compliance*: each SLA clock of the ticket that has a target (escala.sla keeps the current
  run of each kind) is *met* (stopped before its due time), *breached* (the sweep recorded the
  breach, or it stopped after its due time) or *still running*.
  Compliance = met / (met + breached). Per tier: the tier the ticket is at now (for a resolved
  ticket, the tier that resolved it).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean

# Event kinds, as stored in TicketEvent.kind (kept as strings: this module imports no Django).
CREATED = "created"
REPLIED = "replied"
REQUESTER_REPLIED = "requester_replied"
RESOLVED = "resolved"
REOPENED = "reopened"


@dataclass(frozen=True)
class Event:
    kind: str
    at: datetime
    actor_id: int | None = None


@dataclass(frozen=True)
class Stay:
    level: int
    entered_at: datetime
    left_at: datetime | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class VendorSpan:
    vendor_id: int
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class TicketFacts:
    created_at: datetime
    first_response_at: datetime | None
    ever_resolved: bool
    resolved_at: datetime | None  # the standing (last) resolution, None if not resolved now
    resolving_level: int | None
    resolving_team_id: int | None
    resolving_actor_id: int | None
    path: tuple[int, ...]
    reopens: int
    l1_resolved: bool
    first_contact: bool
    tier_seconds: dict[int, float] = field(default_factory=dict)  # closed stays only
    open_level: int | None = None
    open_since: datetime | None = None

    @property
    def starts_at_l1(self) -> bool:
        return bool(self.path) and self.path[0] == 1

    @property
    def escalations(self) -> list[tuple[int, int]]:
        return escalations_in(self.path)

    @property
    def first_response_seconds(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()

    @property
    def resolution_seconds(self) -> float | None:
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.created_at).total_seconds()

    def seconds_at(self, level: int, now: datetime) -> float:
        total = self.tier_seconds.get(level, 0.0)
        if self.open_level == level and self.open_since is not None:
            total += max(0.0, (now - self.open_since).total_seconds())
        return total


def path_of(stays: Sequence[Stay]) -> tuple[int, ...]:
    path: list[int] = []
    for stay in sorted(stays, key=lambda s: s.entered_at):
        if not path or path[-1] != stay.level:
            path.append(stay.level)
    return tuple(path)


def escalations_in(path: Sequence[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in zip(path, path[1:], strict=False) if b > a]


def ticket_facts(
    *, created_at: datetime, events: Iterable[Event], stays: Iterable[Stay]
) -> TicketFacts:
    """Everything the dashboard needs to know about one ticket, from its history."""
    events = sorted(events, key=lambda e: e.at)
    stays = sorted(stays, key=lambda s: s.entered_at)
    first_response = None
    resolved_at: datetime | None = None
    resolver: int | None = None
    ever_resolved = False
    reopens = 0
    replies_before = 0
    requester_wrote = False
    for event in events:
        if event.kind == REPLIED:
            if first_response is None:
                first_response = event.at
            if not ever_resolved:
                replies_before += 1
        elif event.kind == REQUESTER_REPLIED and not ever_resolved:
            requester_wrote = True
        elif event.kind == RESOLVED:
            ever_resolved = True
            resolved_at, resolver = event.at, event.actor_id
        elif event.kind == REOPENED:
            reopens += 1
            resolved_at, resolver = None, None

    path = path_of(stays)
    resolving: Stay | None = None
    if resolved_at is not None:
        before = [s for s in stays if s.entered_at <= resolved_at]
        resolving = before[-1] if before else None
    tier_seconds: dict[int, float] = {}
    open_stay = None
    for stay in stays:
        if stay.left_at is None:
            open_stay = stay
            continue
        seconds = (stay.left_at - stay.entered_at).total_seconds()
        tier_seconds[stay.level] = tier_seconds.get(stay.level, 0.0) + seconds
    l1_resolved = resolved_at is not None and path == (1,)
    first_contact = l1_resolved and reopens == 0 and replies_before <= 1 and not requester_wrote
    return TicketFacts(
        created_at=created_at,
        first_response_at=first_response,
        ever_resolved=ever_resolved,
        resolved_at=resolved_at,
        resolving_level=resolving.level if resolving else None,
        resolving_team_id=resolving.team_id if resolving else None,
        resolving_actor_id=resolver,
        path=path,
        reopens=reopens,
        l1_resolved=l1_resolved,
        first_contact=first_contact,
        tier_seconds=tier_seconds,
        open_level=open_stay.level if open_stay else None,
        open_since=open_stay.entered_at if open_stay else None,
    )


# --- Aggregates: each takes plain numbers, so SQL can do the heavy lifting before them. ---


def rate(part: int, whole: int) -> float | None:
    """A share between 0 and 1, or None when there is nothing to measure."""
    return part / whole if whole else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont(q)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> "Spread":
        values = list(values)
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.9))


@dataclass(frozen=True)
class EscalationFlow:
    visited: dict[int, int]  # tickets that stayed at the level
    escalated: dict[int, int]  # of those, tickets escalated out of it at least once
    moves: dict[tuple[int, int], int]  # escalations from level to level (every move counts)

    def rate_out_of(self, level: int) -> float | None:
        return rate(self.escalated.get(level, 0), self.visited.get(level, 0))

    def levels(self) -> list[int]:
        return sorted(set(self.visited) | {b for _a, b in self.moves})


def escalation_flow(path_counts: Iterable[tuple[Sequence[int], int]]) -> EscalationFlow:
    """From (path, number of tickets with that path): escalation rate out of each level and
    where escalations go."""
    visited: dict[int, int] = {}
    escalated: dict[int, int] = {}
    moves: dict[tuple[int, int], int] = {}
    for path, count in path_counts:
        for level in set(path):
            visited[level] = visited.get(level, 0) + count
        steps = escalations_in(path)
        for level in {a for a, _b in steps}:
            escalated[level] = escalated.get(level, 0) + count
        for step in steps:
            moves[step] = moves.get(step, 0) + count
    return EscalationFlow(visited, escalated, moves)


def parse_path(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(">") if p)


def format_path(path: Sequence[int]) -> str:
    return ">".join(str(level) for level in path)


# SLA clocks: one letter per clock kind (as stored in TicketClock.kind) and one per state.
SLA_KINDS = {
    "first_response": "f",
    "next_response": "n",
    "resolution": "r",
    "tier": "t",
    "vendor_response": "v",
    "vendor_resolution": "w",
}
SLA_KIND_OF = {letter: kind for kind, letter in SLA_KINDS.items()}
MET, BREACHED, RUNNING = "+", "-", "~"


def sla_state(
    *,
    target: timedelta | None,
    due_at: datetime | None,
    stopped_at: datetime | None,
    breached: bool,
) -> str | None:
    """A clock's state for the report; None for a clock without a target. A running clock past
    its due time counts as breached once the SLA sweep has recorded the breach (an event, so
    the facts follow within the sweep's minute): the state never depends on when it is read."""
    if target is None:
        return None
    if breached or (stopped_at is not None and due_at is not None and due_at <= stopped_at):
        return BREACHED
    return MET if stopped_at is not None else RUNNING


def sla_code(level: int | None, states: dict[str, str]) -> str:
    """A ticket's clocks in a few characters, e.g. "1:f+r~t-" (level 1, first response met,
    resolution running, tier target breached); "" when no clock has a target."""
    parts = sorted(SLA_KINDS[kind] + state for kind, state in states.items() if kind in SLA_KINDS)
    return f"{level or 0}:{''.join(parts)}" if parts else ""


@dataclass
class SlaTally:
    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def clocks(self) -> int:
        return self.met + self.breached + self.running

    @property
    def compliance(self) -> float | None:
        return rate(self.met, self.met + self.breached)


def sla_compliance(
    code_counts: Iterable[tuple[str, int]],
) -> dict[tuple[str, int | None], SlaTally]:
    """{(clock kind, level or None for all tiers): tally} from (sla code, tickets) pairs."""
    out: dict[tuple[str, int | None], SlaTally] = {}
    for code, n in code_counts:
        if not code:
            continue
        level_text, _sep, parts = code.partition(":")
        level = int(level_text)
        keys = [None, level] if level else [None]  # level 0: no tier known, counted overall
        for i in range(0, len(parts) - 1, 2):
            kind = SLA_KIND_OF.get(parts[i])
            if kind is None:
                continue
            field_name = {MET: "met", BREACHED: "breached", RUNNING: "running"}[parts[i + 1]]
            for key in keys:
                tally = out.setdefault((kind, key), SlaTally())
                setattr(tally, field_name, getattr(tally, field_name) + n)
    return out


# Backlog age buckets: (label key, lower bound inclusive, upper bound exclusive or None).
AGE_BUCKETS: list[tuple[str, timedelta, timedelta | None]] = [
    ("lt1d", timedelta(0), timedelta(days=1)),
    ("1to3d", timedelta(days=1), timedelta(days=3)),
    ("3to7d", timedelta(days=3), timedelta(days=7)),
    ("7to30d", timedelta(days=7), timedelta(days=30)),
    ("gt30d", timedelta(days=30), None),
]


def age_bucket(age: timedelta) -> str:
    for key, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age < high):
            return key
    return AGE_BUCKETS[0][0]  # a ticket from the future (clock skew) counts as new


def backlog(
    open_tickets: Iterable[tuple[int, datetime]], now: datetime
) -> dict[int, dict[str, int]]:
    """Open tickets (level, created_at) -> {level: {age bucket: count}}."""
    table: dict[int, dict[str, int]] = {}
    for level, created in open_tickets:
        row = table.setdefault(level, {key: 0 for key, _l, _h in AGE_BUCKETS})
        row[age_bucket(now - created)] += 1
    return table


@dataclass(frozen=True)
class VendorStats:
    referrals: int
    closed: int
    still_open: int
    turnaround: Spread  # seconds, closed cases only


def vendor_turnaround(cases: Iterable[VendorSpan]) -> dict[int, VendorStats]:
    """Level 4: per vendor, cases referred and the time from referral to the case closing."""
    spans: dict[int, list[float]] = {}
    counts: dict[int, int] = {}
    for case in cases:
        counts[case.vendor_id] = counts.get(case.vendor_id, 0) + 1
        closed = spans.setdefault(case.vendor_id, [])
        if case.closed_at is not None:
            closed.append((case.closed_at - case.opened_at).total_seconds())
    return {
        vendor: VendorStats(
            referrals=counts[vendor],
            closed=len(spans[vendor]),
            still_open=counts[vendor] - len(spans[vendor]),
            turnaround=Spread.of(spans[vendor]),
        )
        for vendor in counts
    }


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    average: float | None
    satisfied: float | None  # share of ratings 4 or 5 (the usual "CSAT %")


def satisfaction(ratings: Iterable[int]) -> Satisfaction:
    ratings = list(ratings)
    if not ratings:
        return Satisfaction(0, None, None)
    return Satisfaction(
        len(ratings), fmean(ratings), rate(sum(1 for r in ratings if r >= 4), len(ratings))
    )


def satisfaction_from_counts(responses: int, total: int, satisfied: int) -> Satisfaction:
    """The same figure from SQL aggregates: count, sum of ratings, count of 4s and 5s."""
    if not responses:
        return Satisfaction(0, None, None)
    return Satisfaction(responses, total / responses, rate(satisfied, responses))


# --- Histograms: percentiles of a large selection from pre-aggregated days. ---

HISTOGRAM_GROWTH = 1.05  # bucket b holds values in [1.05^(b-1), 1.05^b): 5% wide


def histogram_bucket(seconds: float) -> int:
    if seconds < 1:
        return 0
    return 1 + int(math.log(seconds) / math.log(HISTOGRAM_GROWTH))


def bucket_value(bucket: int) -> float:
    """The middle (geometric) of a bucket: within 2.5% of every value in it."""
    if bucket <= 0:
        return 0.0
    return HISTOGRAM_GROWTH ** (bucket - 0.5)


def percentile_from_histogram(counts: dict[int, int], q: float) -> float | None:
    """percentile() over values known only by their bucket: each value is taken as its
    bucket's middle, then ranks are interpolated as percentile_cont does."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def value_at(rank: int) -> float:
        seen = 0
        for bucket, n in ordered:
            seen += n
            if rank < seen:
                return bucket_value(bucket)
        return bucket_value(ordered[-1][0])

    position = q * (total - 1)
    low = int(position)
    low_value = value_at(low)
    high_value = value_at(min(low + 1, total - 1))
    return low_value + (high_value - low_value) * (position - low)


def spread_from_histogram(counts: dict[int, int]) -> Spread:
    return Spread(
        sum(counts.values()),
        percentile_from_histogram(counts, 0.5),
        percentile_from_histogram(counts, 0.9),
    )
