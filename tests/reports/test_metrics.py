"""The pure arithmetic, checked against small tables computed by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from escala.reports import metrics
from escala.reports.metrics import Event, Stay, VendorSpan

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def facts(events, stays):
    return metrics.ticket_facts(created_at=T0, events=[Event("created", T0), *events], stays=stays)


def test_a_ticket_solved_by_the_first_reply_at_level_1_is_a_first_contact_resolution():
    f = facts(
        [Event("replied", at(10), 7), Event("resolved", at(30), 7)],
        [Stay(1, at(0), at(30), team_id=1)],
    )
    assert f.first_response_seconds == 600
    assert f.resolution_seconds == 1800
    assert f.path == (1,)
    assert (f.l1_resolved, f.first_contact) == (True, True)
    assert (f.resolving_level, f.resolving_team_id, f.resolving_actor_id) == (1, 1, 7)
    assert f.tier_seconds == {1: 1800}


def test_a_ticket_that_escalates_and_comes_back_down_is_not_a_level_1_resolution():
    f = facts(
        [Event("replied", at(20), 7), Event("resolved", at(240), 7)],
        [Stay(1, at(0), at(60), 1), Stay(2, at(60), at(180), 2), Stay(1, at(180), at(240), 1)],
    )
    assert f.path == (1, 2, 1)
    assert f.escalations == [(1, 2)]
    assert f.l1_resolved is False
    assert f.first_contact is False
    assert f.resolving_level == 1
    assert f.tier_seconds == {1: 7200, 2: 7200}
    assert f.resolution_seconds == 14400


def test_a_reopened_ticket_counts_its_last_resolution_and_loses_first_contact():
    f = facts(
        [
            Event("replied", at(5), 7),
            Event("resolved", at(60), 7),
            Event("requester_replied", at(120)),
            Event("reopened", at(120)),
            Event("replied", at(130), 8),
            Event("resolved", at(180), 8),
        ],
        [Stay(1, at(0), at(60), 1), Stay(1, at(120), at(180), 1)],
    )
    assert f.path == (1,)
    assert f.reopens == 1
    assert f.resolution_seconds == 10800
    assert f.resolving_actor_id == 8
    assert (f.l1_resolved, f.first_contact) == (True, False)
    assert f.tier_seconds == {1: 7200}


def test_a_requester_answer_while_paused_means_it_was_not_first_contact():
    f = facts(
        [
            Event("replied", at(10), 7),
            Event("requester_replied", at(300)),
            Event("resolved", at(330), 7),
        ],
        [Stay(1, at(0), at(330), 1)],
    )
    assert f.resolution_seconds == 330 * 60  # pauses are calendar time too
    assert (f.l1_resolved, f.first_contact) == (True, False)


def test_a_ticket_reopened_and_still_open_is_not_resolved_but_was_once():
    f = facts(
        [Event("resolved", at(10), 7), Event("reopened", at(20))],
        [Stay(1, at(0), at(10), 1), Stay(1, at(20), None, 1)],
    )
    assert (f.ever_resolved, f.resolved_at, f.resolving_level) == (True, None, None)
    assert f.seconds_at(1, now=at(80)) == 600 + 3600


def test_an_open_stay_at_the_vendor_counts_up_to_now():
    f = facts(
        [],
        [
            Stay(1, at(0), at(60)),
            Stay(2, at(60), at(120)),
            Stay(3, at(120), at(180)),
            Stay(4, at(180), None),
        ],
    )
    assert f.path == (1, 2, 3, 4)
    assert f.escalations == [(1, 2), (2, 3), (3, 4)]
    assert f.first_response_seconds is None
    assert f.seconds_at(4, now=at(540)) == 6 * 3600
    assert f.seconds_at(2, now=at(540)) == 3600


def test_closing_an_unresolved_ticket_is_not_a_resolution():
    f = facts([Event("closed", at(10), 7)], [Stay(1, at(0), at(10))])
    assert (f.ever_resolved, f.resolution_seconds, f.l1_resolved) == (False, None, False)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4], 0.9, 3.7),
        ([300, 600, 600, 1200, 1800], 0.9, 1560),
        ([5], 0.9, 5),
        ([], 0.5, None),
    ],
)
def test_percentiles_interpolate_like_postgresql(values, q, expected):
    result = metrics.percentile(values, q)
    assert result == pytest.approx(expected) if expected is not None else result is None


def test_escalation_flow_counts_tickets_per_level_and_every_move():
    flow = metrics.escalation_flow(
        [((1,), 3), ((1, 2, 1), 1), ((1, 2, 3, 4), 1), ((2,), 1), ((1, 2, 1, 2), 1)]
    )
    assert flow.visited == {1: 6, 2: 4, 3: 1, 4: 1}
    assert flow.escalated == {1: 3, 2: 1, 3: 1}
    assert flow.moves == {(1, 2): 4, (2, 3): 1, (3, 4): 1}
    assert flow.rate_out_of(1) == 0.5
    assert flow.rate_out_of(4) == 0


def test_backlog_buckets_by_age_and_level():
    now = at(0)
    table = metrics.backlog(
        [
            (1, now - timedelta(hours=2)),
            (1, now - timedelta(days=2)),
            (1, now - timedelta(days=40)),
            (2, now - timedelta(days=3)),
        ],
        now,
    )
    assert table[1] == {"lt1d": 1, "1to3d": 1, "3to7d": 0, "7to30d": 0, "gt30d": 1}
    assert table[2]["3to7d"] == 1


def test_vendor_turnaround_per_vendor():
    stats = metrics.vendor_turnaround(
        [
            VendorSpan(1, at(0), at(60)),
            VendorSpan(1, at(0), at(180)),
            VendorSpan(1, at(0), None),
            VendorSpan(2, at(0), at(30)),
        ]
    )
    assert (stats[1].referrals, stats[1].closed, stats[1].still_open) == (3, 2, 1)
    assert stats[1].turnaround.median == 7200
    assert stats[2].turnaround.p90 == 1800


def test_satisfaction_is_the_average_and_the_share_of_fours_and_fives():
    s = metrics.satisfaction([5, 4, 2, 3])
    assert (s.responses, s.average, s.satisfied) == (4, 3.5, 0.5)
    assert metrics.satisfaction_from_counts(4, 14, 2) == s
    assert metrics.satisfaction([]).average is None


def test_histogram_percentiles_stay_within_two_and_a_half_percent():
    values = [30, 95, 600, 610, 3600, 7200, 7300, 86400, 90000, 200000, 3]
    counts: dict[int, int] = {}
    for v in values:
        bucket = metrics.histogram_bucket(v)
        counts[bucket] = counts.get(bucket, 0) + 1
    for q in (0.5, 0.9):
        exact = metrics.percentile(values, q)
        assert metrics.percentile_from_histogram(counts, q) == pytest.approx(exact, rel=0.025)
    assert metrics.percentile_from_histogram({}, 0.5) is None
    assert metrics.histogram_bucket(0.2) == 0
