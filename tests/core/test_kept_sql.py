"""core.kept_sql: a queryset compiled once per connection gives what the queryset gives."""

from datetime import timedelta

import pytest

from escala.core import kept_sql
from escala.tickets.models import Ticket, TicketEvent
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def _events(ticket_id):
    return TicketEvent.objects.filter(ticket_id=ticket_id)


def test_each_run_fills_in_its_own_values_and_gives_what_the_queryset_gives(
    frozen_clock, employee, categories
):
    one = open_ticket(employee, category=categories["erp"], subject="one")
    two = open_ticket(employee, category=categories["erp"], subject="two")
    for ticket in (one, two, one):
        kept = kept_sql.rows("test.events", _events, ticket.pk)
        assert kept == list(_events(ticket.pk))
        assert kept
        assert all(e.ticket_id == ticket.pk for e in kept)
        assert [e.created_at for e in kept] == [e.created_at for e in _events(ticket.pk)]
    assert kept_sql.rows("test.events", _events, 2**62) == []


def test_values_and_their_converters_come_out_as_from_the_queryset(
    frozen_clock, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"])

    def values(pk):
        return TicketEvent.objects.filter(ticket_id=pk).values_list("kind", "created_at", "data")

    assert kept_sql.rows("test.values", values, ticket.pk) == list(values(ticket.pk))


def test_a_value_that_is_not_a_parameter_runs_the_queryset_as_built(
    frozen_clock, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"], subject="sliced")

    def sliced(n):  # a LIMIT is written into the SQL, not passed as a parameter
        return Ticket.objects.order_by("pk")[:n]

    assert kept_sql.rows("test.sliced", sliced, 1) == [ticket]
    assert kept_sql.rows("test.sliced", sliced, 0) == []


def test_a_query_with_no_rows_possible_is_run_as_built(employee):
    assert kept_sql.rows("test.none", lambda pk: Ticket.objects.none().filter(pk=pk), 1) == []


def test_a_time_and_a_text_are_values_filled_in_on_each_run(frozen_clock, employee, categories):
    ticket = open_ticket(employee, category=categories["erp"])
    now = frozen_clock.current

    def since(pk, kind, moment):
        return TicketEvent.objects.filter(ticket_id=pk, kind=kind, created_at__gte=moment)

    kind = TicketEvent.objects.filter(ticket_id=ticket.pk).first().kind
    early, late = now - timedelta(days=1), now + timedelta(days=1)
    assert kept_sql.rows("test.since", since, ticket.pk, kind, early) == list(
        since(ticket.pk, kind, early)
    )
    assert kept_sql.rows("test.since", since, ticket.pk, kind, early)
    assert kept_sql.rows("test.since", since, ticket.pk, kind, late) == []
    assert kept_sql.rows("test.since", since, ticket.pk, "no-such-kind", early) == []


def test_a_query_by_a_32_bit_id_is_kept_too(employee):
    """The signed-in user's read (auth_user.id is a 32-bit integer): a stand-in beyond that
    range was dropped from the SQL by the ORM, and the query compiled on every request."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    def users(pk):
        return get_user_model().objects.filter(pk=pk)

    user = employee.user
    assert kept_sql.rows("test.user", users, user.pk) == [user]
    assert connection._escala_kept_sql["test.user"] is not None  # compiled once, kept
    assert kept_sql.rows("test.user", users, user.pk + 1000) == []
    assert kept_sql.rows("test.user", users, user.pk) == [user]
