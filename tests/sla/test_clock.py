"""Business-time arithmetic, checked with tables and with hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escala.sla.clock import (
    Calendar,
    NoWorkingTime,
    add,
    always_open,
    elapsed,
    explain,
    measure,
    office_hours,
)

MADRID = ZoneInfo("Europe/Madrid")
H = timedelta(hours=1)


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


EIGHT_BY_FIVE = office_hours("Europe/Madrid", [(time(9), time(17))], country="ES", subdivision="MD")
SPLIT_SHIFT = office_hours(
    "Europe/Madrid",
    [(time(8), time(14)), (time(15), time(18))],
    days_off=[date(2026, 3, 27), date(2026, 10, 23)],
    country="ES",
    subdivision="MD",
)
# A night shift crossing midnight and the DST change, seven days a week.
NIGHTS = Calendar(
    time_zone="Europe/Madrid",
    week=(((time(0), time(3)), (time(22), time(0))),) * 7,
)
CALENDARS = [EIGHT_BY_FIVE, SPLIT_SHIFT, NIGHTS, always_open("Europe/Madrid")]


# --- Tables --------------------------------------------------------------------------------------


def test_time_outside_hours_starts_counting_at_the_next_opening():
    friday_evening = madrid(2026, 10, 9, 17, 55)
    # Monday 12 October is Spain's national day: the clock resumes on Tuesday at 09:00.
    assert add(EIGHT_BY_FIVE, friday_evening, 4 * H) == madrid(2026, 10, 13, 13, 0)


def test_a_lunch_break_does_not_count():
    assert add(SPLIT_SHIFT, madrid(2026, 3, 2, 13), 2 * H) == madrid(2026, 3, 2, 16)
    assert elapsed(SPLIT_SHIFT, madrid(2026, 3, 2, 13), madrid(2026, 3, 2, 16)) == 2 * H


def test_the_organizations_own_day_off_does_not_count():
    thursday = madrid(2026, 3, 26, 17, 0)
    # Friday 27 March is a company day off; the weekend follows.
    assert add(SPLIT_SHIFT, thursday, 2 * H) == madrid(2026, 3, 30, 9, 0)


def test_a_night_shift_across_the_spring_dst_change_counts_real_hours():
    # 29 March 2026: Madrid clocks jump from 02:00 to 03:00; that night's 00:00-03:00 has 2 hours.
    start = madrid(2026, 3, 28, 22, 0)
    assert elapsed(NIGHTS, start, madrid(2026, 3, 29, 3, 0)) == 4 * H
    assert add(NIGHTS, start, 4 * H) == madrid(2026, 3, 29, 3, 0)


def test_a_night_shift_across_the_autumn_dst_change_counts_real_hours():
    start = madrid(2026, 10, 24, 22, 0)
    assert elapsed(NIGHTS, start, madrid(2026, 10, 25, 3, 0)) == 6 * H


def test_a_pause_stops_the_clock_and_an_open_pause_leaves_no_due_date():
    start = madrid(2026, 3, 2, 9)
    pauses = [(madrid(2026, 3, 2, 10), madrid(2026, 3, 2, 12))]
    assert add(EIGHT_BY_FIVE, start, 2 * H, pauses) == madrid(2026, 3, 2, 13)
    assert elapsed(EIGHT_BY_FIVE, start, madrid(2026, 3, 2, 13), pauses) == 2 * H
    assert add(EIGHT_BY_FIVE, start, 2 * H, [(madrid(2026, 3, 2, 10), None)]) is None
    # Reached before the open pause began: the due instant is known.
    assert add(EIGHT_BY_FIVE, start, H, [(madrid(2026, 3, 2, 10), None)]) == madrid(2026, 3, 2, 10)


def test_a_calendar_without_hours_is_refused():
    with pytest.raises(NoWorkingTime):
        add(Calendar(time_zone="UTC"), datetime(2026, 1, 1, tzinfo=UTC), H)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add(EIGHT_BY_FIVE, datetime(2026, 1, 1), H)  # noqa: DTZ001


def test_measure_reports_elapsed_due_and_breach():
    start = madrid(2026, 3, 2, 9)
    m = measure(EIGHT_BY_FIVE, start=start, now=madrid(2026, 3, 2, 12), target=4 * H)
    assert (m.elapsed, m.due_at, m.warn_at, m.breached) == (
        3 * H,
        madrid(2026, 3, 2, 13),
        madrid(2026, 3, 2, 12),
        False,
    )
    late = measure(EIGHT_BY_FIVE, start=start, now=madrid(2026, 3, 2, 13), target=4 * H)
    assert late.breached
    stopped = measure(
        EIGHT_BY_FIVE,
        start=start,
        now=madrid(2026, 3, 3, 13),
        target=4 * H,
        stopped_at=madrid(2026, 3, 2, 10),
    )
    assert (stopped.elapsed, stopped.due_at, stopped.met) == (H, None, True)


# --- Properties ----------------------------------------------------------------------------------

# Instants from 2025 to 2027 (DST changes, Spanish holidays, weekends), to the second.
instants = st.integers(
    min_value=int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
    max_value=int(datetime(2027, 12, 31, tzinfo=UTC).timestamp()),
).map(lambda s: datetime.fromtimestamp(s, tz=UTC))
durations = st.integers(min_value=0, max_value=60 * 60 * 24 * 20).map(
    lambda s: timedelta(seconds=s)
)
calendars = st.sampled_from(CALENDARS)


@st.composite
def pause_lists(draw, base: datetime | None = None):
    """Up to three closed pauses somewhere in the month after `base`."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        start = base + timedelta(seconds=draw(st.integers(0, 30 * 24 * 3600)))
        length = timedelta(seconds=draw(st.integers(1, 5 * 24 * 3600)))
        out.append((start, start + length))
    return out


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, d1=durations, d2=durations)
def test_adding_in_two_steps_equals_adding_at_once(cal, start, d1, d2):
    assert add(cal, add(cal, start, d1), d2) == add(cal, start, d1 + d2)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, d=durations, data=st.data())
def test_elapsed_undoes_add_even_with_pauses(cal, start, d, data):
    pauses = data.draw(pause_lists(base=start))
    due = add(cal, start, d, pauses)
    assert elapsed(cal, start, due, pauses) == d


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=instants, d1=durations, d2=durations, data=st.data())
def test_add_is_monotonic(cal, start, d1, d2, data):
    pauses = data.draw(pause_lists(base=start))
    small, big = sorted([d1, d2])
    assert add(cal, start, small, pauses) <= add(cal, start, big, pauses)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_elapsed_is_additive_and_bounded_by_wall_time(cal, a, b, c):
    a, b, c = sorted([a, b, c])
    assert elapsed(cal, a, b) + elapsed(cal, b, c) == elapsed(cal, a, c)
    assert timedelta(0) <= elapsed(cal, a, c) <= c - a


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=instants, end=instants, data=st.data())
def test_pauses_never_add_time(cal, start, end, data):
    pauses = data.draw(pause_lists(base=start))
    assert elapsed(cal, start, end, pauses) <= elapsed(cal, start, end)


@settings(max_examples=100, deadline=None)
@given(start=instants, d=durations)
def test_the_due_instant_falls_inside_working_hours(start, d):
    due = add(EIGHT_BY_FIVE, start, d).astimezone(MADRID)
    if d:
        assert due.weekday() < 5
        assert time(9) < due.time() <= time(17)
        assert not EIGHT_BY_FIVE.is_day_off(due.date())


def test_explain_shows_what_counted_what_was_closed_and_what_was_paused():
    start = madrid(2026, 3, 6, 16, 0)  # Friday
    pauses = [(madrid(2026, 3, 9, 10), madrid(2026, 3, 9, 11))]
    pieces = explain(EIGHT_BY_FIVE, start, madrid(2026, 3, 9, 12), pauses)
    assert [(s.astimezone(MADRID).strftime("%a %H:%M"), kind) for s, _e, kind in pieces] == [
        ("Fri 16:00", "counted"),
        ("Fri 17:00", "closed"),
        ("Mon 09:00", "counted"),
        ("Mon 10:00", "paused"),
        ("Mon 11:00", "counted"),
    ]


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=instants, end=instants, data=st.data())
def test_explain_adds_up_to_elapsed(cal, start, end, data):
    start, end = sorted([start, end])
    pauses = data.draw(pause_lists(base=start))
    pieces = explain(cal, start, end, pauses)
    counted = sum((e - s for s, e, kind in pieces if kind == "counted"), timedelta(0))
    assert counted == elapsed(cal, start, end, pauses)
    if pieces:
        assert (pieces[0][0], pieces[-1][1]) == (start, end)
