"""Concurrent changes to one ticket must not lose an update (real threads, real connections)."""

import threading

import pytest
from django.db import connection

from escala.core.errors import InvalidTransition
from escala.tickets.actions import add_reply, claim_ticket, update_ticket_fields
from escala.tickets.choices import EventKind
from escala.tickets.models import Message, Ticket, TicketEvent

from .factories import open_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*jobs):
    """Start every job at once; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def runner(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_simultaneous_replies_all_land_and_each_bumps_the_version(
    categories, employee, l1_agent, l1_colleague
):
    ticket = open_ticket(employee, category=categories["password"])
    agents = [l1_agent, l1_colleague] * 3
    results = run_together(
        *[
            (lambda a=a, i=i: add_reply(ticket=ticket.pk, by=a.user, body=f"respuesta {i}"))
            for i, a in enumerate(agents)
        ]
    )
    assert all(isinstance(r, Message) for r in results), results
    ticket.refresh_from_db()
    assert ticket.version == 1 + len(agents)
    assert Message.objects.filter(ticket=ticket).count() == 1 + len(agents)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPLIED).count() == len(agents)


def test_two_agents_claiming_at_once_one_wins_the_other_is_told(
    categories, employee, l1_agent, l1_colleague
):
    ticket = open_ticket(employee, category=categories["password"])
    results = run_together(
        lambda: claim_ticket(ticket=ticket.pk, by=l1_agent.user),
        lambda: claim_ticket(ticket=ticket.pk, by=l1_colleague.user),
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert Ticket.objects.get(pk=ticket.pk).assignee == winners[0].assignee
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CLAIMED).count() == 1


def test_concurrent_edits_of_different_fields_both_survive(
    categories, employee, l1_agent, l1_colleague
):
    ticket = open_ticket(employee, category=categories["password"])
    run_together(
        lambda: update_ticket_fields(ticket=ticket.pk, by=l1_agent.user, priority="critical"),
        lambda: update_ticket_fields(
            ticket=ticket.pk, by=l1_colleague.user, subject="Sin correo desde el lunes"
        ),
    )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.subject) == ("critical", "Sin correo desde el lunes")
    assert ticket.version == 3
