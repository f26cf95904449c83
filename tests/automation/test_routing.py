"""A new ticket goes to the right person in its category's team."""

import pytest

from escala.automation.choices import RoutingMode
from escala.automation.models import TeamRouting
from escala.tickets.actions import create_ticket
from escala.tickets.choices import Channel, EventKind
from escala.tiers.models import Specialty


@pytest.fixture
def new_connectivity_ticket(committed, employee, categories):
    def make(subject: str = "Wi-Fi drops"):
        with committed():
            return create_ticket(
                requester=employee,
                subject=subject,
                body="It drops every hour.",
                channel=Channel.PORTAL,
                by=employee.user,
                category=categories["connectivity"],
            )

    return make


@pytest.fixture
def network_skilled(l1_agent, l1_colleague):
    networks = Specialty.objects.get(code="networks")
    l1_agent.skills.add(networks)
    l1_colleague.skills.add(networks)
    return l1_agent, l1_colleague


def test_a_new_ticket_goes_to_the_least_loaded_available_agent_with_the_specialty(
    frozen_clock, new_connectivity_ticket, network_skilled
):
    lucia, pablo = network_skilled
    first = new_connectivity_ticket()
    second = new_connectivity_ticket()
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.assignee, second.assignee} == {lucia, pablo}
    assigned = first.events.get(kind=EventKind.ASSIGNED)
    assert assigned.actor is None


def test_agents_who_are_away_or_lack_the_specialty_get_nothing(
    frozen_clock, new_connectivity_ticket, network_skilled, l2_network_agent
):
    lucia, pablo = network_skilled
    lucia.is_away = True
    lucia.save()
    pablo.skills.clear()
    ticket = new_connectivity_ticket()
    ticket.refresh_from_db()
    assert ticket.assignee is None  # stays in the Service Desk queue
    assert ticket.team.name == "Service Desk"


def test_round_robin_takes_turns_whatever_the_load(
    frozen_clock, new_connectivity_ticket, network_skilled, teams
):
    lucia, pablo = sorted(network_skilled, key=lambda a: a.pk)
    TeamRouting.objects.create(team=teams["Service Desk"], mode=RoutingMode.ROUND_ROBIN)
    got = []
    for n in range(4):
        ticket = new_connectivity_ticket(f"Ticket {n}")
        ticket.refresh_from_db()
        got.append(ticket.assignee)
    assert got == [lucia, pablo, lucia, pablo]


def test_a_manual_team_leaves_new_tickets_in_the_queue(
    frozen_clock, new_connectivity_ticket, network_skilled, teams
):
    TeamRouting.objects.create(team=teams["Service Desk"], mode=RoutingMode.MANUAL)
    ticket = new_connectivity_ticket()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_an_agent_marks_themself_away_and_no_longer_gets_new_tickets(
    frozen_clock, new_connectivity_ticket, network_skilled
):
    from escala.automation.actions import set_away

    lucia, pablo = network_skilled
    set_away(agent=lucia, by=lucia.user, away=True)
    tickets = [new_connectivity_ticket(f"T{n}") for n in range(2)]
    for t in tickets:
        t.refresh_from_db()
    assert [t.assignee for t in tickets] == [pablo, pablo]


def test_a_colleague_cannot_mark_someone_else_away(network_skilled):
    from escala.automation.actions import set_away
    from escala.core.errors import Forbidden

    lucia, pablo = network_skilled
    with pytest.raises(Forbidden):
        set_away(agent=lucia, by=pablo.user, away=True)
    lucia.refresh_from_db()
    assert lucia.is_away is False
