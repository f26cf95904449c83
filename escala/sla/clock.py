"""Business-time arithmetic. Pure: datetimes, calendars and interval lists in, datetimes out.

No ORM, no `now()`: everything a function needs is passed in, so it can be tested with tables and
hypothesis. Time is counted in real elapsed seconds inside working intervals, so a working day
that crosses a DST change counts the hours that really passed.

Vocabulary
- `Calendar`: working intervals per weekday (several a day: a lunch break is two intervals), a
  time zone, and the days that are off (public holidays of a country/region plus the
  organization's own).
- A *pause* is a (start, end) pair of aware datetimes; `end` None means "still paused".
- `add(cal, start, d, pauses)` is the instant when `d` of business time has passed since `start`
  (None when an open pause stops the clock before that).
- `elapsed(cal, start, end, pauses)` is the business time between two instants.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
# How far ahead `add` searches before deciding the calendar can never reach the target.
MAX_SEARCH_DAYS = 3 * 366

Interval = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]


class NoWorkingTime(ValueError):
    """The calendar has no working time within reach (no hours, or every day off)."""


@lru_cache(maxsize=64)
def _days_off_of(country: str, subdivision: str) -> Container[date]:
    # Building a country's holiday table is slow; it is pure data, so build it once per process.
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision or None)


@dataclass(frozen=True)
class Calendar:
    """`week[0]` is Monday. Each entry is a sequence of (start, end) local times; an end of
    00:00 means midnight at the end of that day."""

    time_zone: str = "UTC"
    week: Sequence[Sequence[tuple[time, time]]] = ((),) * 7
    days_off: frozenset[date] = frozenset()
    country: str = ""
    subdivision: str = ""
    # Each local day's intervals, once computed (a calendar is immutable, so this never stales).
    _days: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has 7 days")
        for day in self.week:
            for start, end in day:
                if end != time(0) and end <= start:
                    raise ValueError(f"interval {start}-{end} ends before it starts")

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def public_holidays(self) -> Container[date]:
        if not self.country:
            return frozenset()
        return _days_off_of(self.country, self.subdivision)

    @cached_property
    def has_hours(self) -> bool:
        return any(self.week)

    def is_day_off(self, day: date) -> bool:
        return day in self.days_off or day in self.public_holidays

    def intervals_on(self, day: date) -> list[Interval]:
        """The working intervals of one local day, as UTC instants, sorted, merged."""
        known = self._days.get(day)
        if known is None:
            if len(self._days) > 20_000:
                self._days.clear()
            known = self._days[day] = self._intervals_on(day)
        return known

    def _intervals_on(self, day: date) -> list[Interval]:
        if self.is_day_off(day):
            return []
        out: list[Interval] = []
        for start, end in self.week[day.weekday()]:
            s = datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC)
            end_day = day + timedelta(days=1) if end == time(0) else day
            e = datetime.combine(end_day, end, tzinfo=self.tz).astimezone(UTC)
            if e > s:
                out.append((s, e))
        return _merge(out)


def always_open(time_zone: str = "UTC") -> Calendar:
    """24×7: every instant counts."""
    return Calendar(time_zone=time_zone, week=(((time(0), time(0)),),) * 7)


def office_hours(
    time_zone: str,
    intervals: Sequence[tuple[time, time]],
    weekdays: Iterable[int] = range(5),
    *,
    days_off: Iterable[date] = (),
    country: str = "",
    subdivision: str = "",
) -> Calendar:
    """The same intervals on the given weekdays (Monday 0 ... Friday 4 by default)."""
    wd = set(weekdays)
    week = tuple(tuple(intervals) if i in wd else () for i in range(7))
    return Calendar(
        time_zone=time_zone,
        week=week,
        days_off=frozenset(days_off),
        country=country,
        subdivision=subdivision,
    )


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def working_intervals(cal: Calendar, start: datetime) -> Iterator[Interval]:
    """Working intervals from `start` on, clipped at `start`, for at most MAX_SEARCH_DAYS."""
    start = _aware(start, "start")
    day = start.astimezone(cal.tz).date() - timedelta(days=1)
    last = day + timedelta(days=MAX_SEARCH_DAYS)
    while day <= last:
        for s, e in cal.intervals_on(day):
            if e <= start:
                continue
            yield (max(s, start), e)
        day += timedelta(days=1)


def _normal_pauses(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime | None]]:
    """Sorted, merged pauses in UTC; at most the last one is open (end None)."""
    closed: list[Interval] = []
    open_from: datetime | None = None
    for s, e in pauses:
        s = _aware(s, "pause start")
        if e is None:
            open_from = s if open_from is None else min(open_from, s)
        else:
            closed.append((s, _aware(e, "pause end")))
    merged = _merge(closed)
    if open_from is None:
        return list(merged)
    kept: list[tuple[datetime, datetime | None]] = []
    for s, e in merged:
        if e < open_from:
            kept.append((s, e))
        else:
            open_from = min(open_from, s)
            break
    kept.append((open_from, None))
    return kept


def _subtract(
    intervals: Iterable[Interval], pauses: list[tuple[datetime, datetime | None]]
) -> Iterator[Interval]:
    """`intervals` (sorted, disjoint) minus `pauses` (sorted, disjoint)."""
    i = 0
    for s, e in intervals:
        while i < len(pauses) and pauses[i][1] is not None and pauses[i][1] <= s:
            i += 1
        cur = s
        j = i
        while cur < e:
            if j >= len(pauses):
                yield (cur, e)
                break
            ps, pe = pauses[j]
            if ps >= e:
                yield (cur, e)
                break
            if ps > cur:
                yield (cur, ps)
            if pe is None:
                return  # paused for good from ps on
            cur = max(cur, pe)
            j += 1


def counting_intervals(
    cal: Calendar, start: datetime, pauses: Iterable[Pause] = ()
) -> Iterator[Interval]:
    """The intervals, from `start` on, in which a clock started at `start` runs."""
    return _subtract(working_intervals(cal, start), _normal_pauses(pauses))


def add(
    cal: Calendar, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant when `duration` of business time has counted since `start`.

    None when an open pause stops the clock first. Raises NoWorkingTime when the calendar has
    no working time within MAX_SEARCH_DAYS.
    """
    start = _aware(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    if not cal.has_hours:
        raise NoWorkingTime("the calendar has no working hours")
    if duration == ZERO:
        return start
    left = duration
    for s, e in counting_intervals(cal, start, pauses):
        span = e - s
        if span >= left:
            return s + left
        left -= span
    normal = _normal_pauses(pauses)
    if normal and normal[-1][1] is None:
        return None
    raise NoWorkingTime("no working time within reach of the calendar")


def elapsed(
    cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> timedelta:
    """Business time counted between `start` and `end` (zero when end <= start)."""
    start = _aware(start, "start")
    end = _aware(end, "end")
    total = ZERO
    if end <= start:
        return total
    for s, e in counting_intervals(cal, start, pauses):
        if s >= end:
            break
        total += min(e, end) - s
    return total


def paused_between(
    cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause]
) -> timedelta:
    """Business time between two instants that a pause kept from counting."""
    return elapsed(cal, start, end) - elapsed(cal, start, end, pauses)


@dataclass(frozen=True)
class Measure:
    """Where one clock stands at `now`.

    `due_at` is the instant the target is (or was) reached; None while paused before reaching it,
    or without a target. `stopped_at` is set once the clock has stopped for good.
    """

    elapsed: timedelta
    target: timedelta | None
    due_at: datetime | None
    warn_at: datetime | None
    paused: bool
    stopped_at: datetime | None

    @property
    def remaining(self) -> timedelta | None:
        return None if self.target is None else self.target - self.elapsed

    @property
    def breached(self) -> bool:
        return self.target is not None and self.elapsed >= self.target

    @property
    def met(self) -> bool:
        return self.stopped_at is not None and not self.breached


def measure(
    cal: Calendar,
    *,
    start: datetime,
    now: datetime,
    target: timedelta | None,
    pauses: Sequence[Pause] = (),
    stopped_at: datetime | None = None,
    warn_share: float = 0.75,
) -> Measure:
    """Measure a clock started at `start`, stopped at `stopped_at` (if it has), at `now`.

    Pauses that have not ended by `now` are open: the clock counts nothing after they begin.
    """
    now = _aware(now, "now")
    end = now if stopped_at is None else min(_aware(stopped_at, "stopped_at"), now)
    clipped: list[Pause] = []
    for s, e in pauses:
        if s > end:
            continue
        clipped.append((s, None if e is None or e > end else e))
    paused = stopped_at is None and any(e is None for _s, e in clipped)
    counted = elapsed(cal, start, end, clipped)
    due_at = warn_at = None
    if target is not None and stopped_at is None:
        due_at = add(cal, start, target, clipped)
        warn_at = add(cal, start, target * warn_share, clipped)
    elif target is not None and counted >= target:
        # Stopped late: when was the target passed? (After the stop nothing counts.)
        due_at = add(cal, start, target, [*clipped, (end, None)])
    return Measure(
        elapsed=counted,
        target=target,
        due_at=due_at,
        warn_at=warn_at,
        paused=paused,
        stopped_at=stopped_at if stopped_at is None else end,
    )


COUNTED = "counted"
CLOSED = "closed"
PAUSED = "paused"


def explain(
    cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> list[tuple[datetime, datetime, str]]:
    """The timeline between two instants: what counted, what was outside working time (closed)
    and what a pause kept from counting. Adjacent pieces of one kind are merged."""
    start = _aware(start, "start")
    end = _aware(end, "end")
    normal = _normal_pauses(pauses)
    pieces: list[tuple[datetime, datetime, str]] = []
    cursor = start
    for ws, we in working_intervals(cal, start):
        if ws >= end:
            break
        we = min(we, end)
        if ws > cursor:
            pieces.append((cursor, ws, CLOSED))
        inner = ws
        for cs, ce in _subtract([(ws, we)], normal):
            if cs > inner:
                pieces.append((inner, cs, PAUSED))
            pieces.append((cs, ce, COUNTED))
            inner = ce
        if inner < we:
            pieces.append((inner, we, PAUSED))
        cursor = we
    if cursor < end:
        pieces.append((cursor, end, CLOSED))
    merged: list[tuple[datetime, datetime, str]] = []
    for s, e, kind in pieces:
        if merged and merged[-1][2] == kind and merged[-1][1] == s:
            merged[-1] = (merged[-1][0], e, kind)
        else:
            merged.append((s, e, kind))
    return merged
