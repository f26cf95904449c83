"""The relay routes a batch's new tickets together (routing.route_many): the same choices,
events and changes as routing them one by one, in a fixed number of queries, and nothing lost
when it fails or when two workers share the backlog."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.automation import routing
from escala.automation.choices import RoutingMode
from escala.automation.models import TeamRouting, Trigger
from escala.mail.choices import NotificationKind
from escala.mail.models import Outbox
from escala.reports.models import TicketFact
from escala.sla.models import TicketClock
from escala.tickets import events
from escala.tickets.choices import Channel, EventKind, Status
from escala.tickets.models import QueuedEvent, Ticket, TicketEvent
from escala.tiers.models import Specialty
from tests.tickets.concurrently import relay_in_two_threads
from tests.tickets.factories import open_ticket


@pytest.fixture
def worker_mode(settings):
    settings.ESCALA_EVENT_RELAY = "worker"


@pytest.fixture
def agents(l1_agent, l1_colleague):
    networks = Specialty.objects.get(code="networks")
    l1_agent.skills.add(networks)
    l1_colleague.skills.add(networks)
    return sorted([l1_agent, l1_colleague], key=lambda a: a.pk)


def queue_new_tickets(employee, categories, n: int, prefix: str = "Wi-Fi") -> list[Ticket]:
    """API-like creations: their events wait in the queue for the relay."""
    return [
        open_ticket(
            employee,
            category=categories["connectivity"],
            subject=f"{prefix} {k}",
            channel=Channel.API,
        )
        for k in range(n)
    ]


def assignees(tickets: list[Ticket]) -> list:
    return [Ticket.objects.get(pk=t.pk).assignee for t in tickets]


def assert_routed_once_with_everything(tickets: list[Ticket]) -> None:
    for ticket in tickets:
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.assignee_id is not None
        assert fresh.status == Status.OPEN
        assert fresh.version == ticket.version + 1
        kinds = list(fresh.events.order_by("pk").values_list("kind", "actor_id"))
        assert kinds == [
            (EventKind.CREATED, ticket.events.get(kind=EventKind.CREATED).actor_id),
            (EventKind.ASSIGNED, None),
            (EventKind.STATUS_CHANGED, None),
        ]
        assert TicketClock.objects.filter(ticket=fresh).exists()
        assert TicketFact.objects.filter(ticket=fresh).exists()
        assert Outbox.objects.filter(ticket=fresh, kind=NotificationKind.RECEIVED).count() == 1
    assert not QueuedEvent.objects.exists()


def test_a_batch_of_new_tickets_takes_turns_by_load_as_one_by_one_would(
    worker_mode, frozen_clock, employee, categories, agents
):
    lucia, pablo = agents
    open_ticket(employee, category=categories["connectivity"], subject="Older")
    Ticket.objects.filter(subject="Older").update(assignee=lucia, status=Status.OPEN)
    events.relay_all()
    tickets = queue_new_tickets(employee, categories, 5)
    assert events.relay(limit=100) == 5  # one batch
    # Lucia holds one already: Pablo first, then by load, ties to the lower id.
    assert assignees(tickets) == [pablo, lucia, pablo, lucia, pablo]
    assert_routed_once_with_everything(tickets)
    assert TeamRouting.objects.get().last_agent == pablo


def test_a_round_robin_team_takes_turns_within_a_batch_and_across_batches(
    worker_mode, frozen_clock, employee, categories, agents, teams
):
    lucia, pablo = agents
    TeamRouting.objects.create(
        team=teams["Service Desk"], mode=RoutingMode.ROUND_ROBIN, last_agent=lucia
    )
    first = queue_new_tickets(employee, categories, 3, "First")
    events.relay(limit=100)
    second = queue_new_tickets(employee, categories, 2, "Second")
    events.relay(limit=100)
    assert assignees(first + second) == [pablo, lucia, pablo, lucia, pablo]
    assert TeamRouting.objects.get().last_agent == pablo
    assert_routed_once_with_everything(first + second)


def test_routing_a_batch_costs_the_same_queries_for_ten_tickets_as_for_three(
    worker_mode, frozen_clock, employee, categories, agents
):
    counts = []
    for n in (3, 10):
        tickets = queue_new_tickets(employee, categories, n, f"Batch of {n}")
        with CaptureQueriesContext(connection) as queries:
            assert events.relay(limit=100) == n
        counts.append(len(queries))
        assert_routed_once_with_everything(tickets)
    # No query per ticket (the first batch also creates the team's routing row).
    assert counts[1] <= counts[0], counts


def test_when_routing_together_fails_each_ticket_is_routed_alone(
    worker_mode, frozen_clock, employee, categories, agents, monkeypatch, caplog
):
    lucia, pablo = agents
    real = routing.assign_many

    def breaks_after_writing(*args, **kwargs):
        real(*args, **kwargs)  # its events and updates are written, then taken back
        raise RuntimeError("boom")

    monkeypatch.setattr(routing, "assign_many", breaks_after_writing)
    tickets = queue_new_tickets(employee, categories, 4)
    assert events.relay(limit=100) == 4
    assert "Could not route tickets" in caplog.text
    # One by one, from the pool's true counts: two each, one assignment per ticket.
    assert sorted(a.pk for a in assignees(tickets)) == sorted([lucia.pk, pablo.pk] * 2)
    assert_routed_once_with_everything(tickets)


def test_triggers_of_a_batch_see_each_ticket_routed_then_as_earlier_triggers_left_it(
    worker_mode, frozen_clock, employee, categories, agents
):
    Trigger.objects.create(
        name="Routed API tickets go up",
        event=EventKind.CREATED,
        conditions=[{"field": "assigned", "op": "is", "value": "true"}],
        actions=[{"action": "set_priority", "value": "high"}],
    )
    Trigger.objects.create(
        name="Tag the high ones",
        event=EventKind.CREATED,
        conditions=[{"field": "priority", "op": "is", "value": "high"}],
        actions=[{"action": "add_tag", "value": "seen-high"}],
    )
    tickets = queue_new_tickets(employee, categories, 3)
    events.relay_all()
    for ticket in tickets:
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.priority == "high"
        assert list(fresh.tags.values_list("name", flat=True)) == ["seen-high"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_one_backlog_route_each_ticket_exactly_once(
    worker_mode, employee, categories, agents
):
    tickets = queue_new_tickets(employee, categories, 30)
    assert relay_in_two_threads(limit=4) == []
    assert_routed_once_with_everything(tickets)
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 30
    # Both agents take a share (each batch counts the loads the other committed).
    lucia, pablo = agents
    shares = [Ticket.objects.filter(assignee=a).count() for a in (lucia, pablo)]
    assert sum(shares) == 30
    assert min(shares) >= 10, shares
