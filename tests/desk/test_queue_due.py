"""The queue's "Due" column: the next SLA deadline in business time, its sort and filters."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.core.paging import keyset_page
from escala.desk import queries
from escala.tickets.actions import add_reply, claim_ticket, resolve_ticket
from escala.tickets.models import Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return [t.reference for t in response.context["page"].rows]


@pytest.fixture
def committed_now(django_capture_on_commit_callbacks):
    """Each action's after-commit listeners (the clocks) run as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def three(sla, frozen_clock, employee, categories, committed_now):
    """At 13:00 in Madrid (Monday): one ticket overdue by an hour, one warned with 15 minutes
    left, one with an hour and a half left."""
    cat = categories["password"]
    with committed_now():
        breached = open_ticket(employee, category=cat, subject="Breached one")  # due 12:00
    frozen_clock.advance(hours=1, minutes=15)
    with committed_now():
        warned = open_ticket(employee, category=cat, subject="Warned one")  # 11:15, due 13:15
    frozen_clock.advance(hours=1, minutes=15)
    with committed_now():
        fine = open_ticket(employee, category=cat, subject="Fine one")  # 12:30, due 14:30
    frozen_clock.advance(minutes=30)
    return breached, warned, fine


def test_a_ticket_keeps_its_next_deadline_with_its_clocks(
    sla, frozen_clock, l1_agent, employee, categories, committed_now
):
    with committed_now():
        ticket = open_ticket(employee, category=categories["password"])
    ticket.refresh_from_db()
    # Opened Monday 10:00 Madrid (09:00 UTC): the first response is due two business hours on.
    assert ticket.sla_due_at == frozen_clock.current + timedelta(hours=2)
    with committed_now():
        claim_ticket(ticket=ticket, by=l1_agent.user)
        add_reply(ticket=ticket, by=l1_agent.user, body="Miro.", channel="portal")
    ticket.refresh_from_db()
    # Answered: the next deadline is Level 1's own (4 h from the start), before the resolution.
    assert ticket.sla_due_at == frozen_clock.current + timedelta(hours=4)
    with committed_now():
        resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Hecho.")
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None


def test_the_due_column_says_how_much_business_time_is_left_in_words(login, supervisor, three):
    breached, warned, fine = three
    page = login(supervisor.user).get(reverse("desk:queue"), {"queue": "all", "sort": "due"})
    assert refs(page) == [breached.reference, warned.reference, fine.reference]
    html = page.text
    assert '<span class="due due-breached"' in html
    assert '<span class="due-flag">Breached</span> overdue by 1 h</span>' in html
    assert '<span class="due-flag">At risk</span> 15 min left</span>' in html
    assert '<span class="due due-on_time"' in html
    assert "1 h 30 min left" in html
    assert ">First response</div>" in html
    assert 'aria-sort="ascending"' in html


def test_business_time_left_skips_the_night(
    login, sla, frozen_clock, supervisor, employee, committed_now
):
    frozen_clock.advance(hours=6, minutes=30)  # Monday 16:30 in Madrid
    with committed_now():
        open_ticket(employee, subject="Late call")
    frozen_clock.advance(minutes=15)
    html = login(supervisor.user).get(reverse("desk:queue"), {"queue": "all"}).text
    # Due Tuesday 10:30: 1 h 45 min of working time, not the 17 h 45 min the wall clock counts.
    assert "1 h 45 min left" in html


def test_tickets_with_nothing_due_come_last_in_the_due_sort(
    login, three, l1_agent, frozen_clock, employee, categories, committed_now
):
    breached, warned, fine = three
    with committed_now():
        done = open_ticket(employee, category=categories["password"], subject="Done")
    with committed_now():
        claim_ticket(ticket=done, by=l1_agent.user)
        resolve_ticket(ticket=done, by=l1_agent.user, summary="Hecho.")
    response = login(l1_agent.user).get(
        reverse("desk:queue"), {"queue": "all", "sort": "due", "status": "any"}
    )
    assert refs(response) == [breached.reference, warned.reference, fine.reference, done.reference]
    assert 'title="No SLA clock running">—</span>' in response.text


def test_the_sla_filters_show_breached_and_due_within_an_hour(login, supervisor, three):
    breached, warned, _fine = three
    client = login(supervisor.user)
    url = reverse("desk:queue")
    assert refs(client.get(url, {"queue": "all", "due": "breached"})) == [breached.reference]
    assert refs(client.get(url, {"queue": "all", "due": "hour"})) == [warned.reference]
    # An unknown value is refused by the form: the queue shows unfiltered, nothing breaks.
    assert len(refs(client.get(url, {"queue": "all", "due": "'; DROP TABLE x"}))) == 3


def test_the_due_sort_pages_walk_every_ticket_once_nulls_last(
    three, employee, l1_agent, committed_now
):
    breached, warned, fine = three
    with committed_now():
        extra = [open_ticket(employee, subject=f"No SLA {i}") for i in range(3)]
    for ticket in extra[:2]:
        with committed_now():
            claim_ticket(ticket=ticket, by=l1_agent.user)
            resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Hecho.")
    seen, cursor = [], None
    while True:
        page = keyset_page(
            Ticket.objects.all(),
            order=queries.SORTS["due"],
            cursor=cursor,
            size=2,
            nulls_last=queries.NULLS_LAST["due"],
        )
        seen += [t.pk for t in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen[:3] == [breached.pk, warned.pk, fine.pk]
    assert len(seen) == len(set(seen)) == Ticket.objects.count()
    nothing_due = [t.pk for t in Ticket.objects.filter(sla_due_at__isnull=True).order_by("pk")]
    assert seen[-len(nothing_due) :] == nothing_due


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("desk:queue"), {"queue": "all", **params})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_due_column_costs_the_same_queries_for_any_page_size(
    login, sla, frozen_clock, supervisor, employee, customer, categories, committed_now
):
    for i in range(60):
        with committed_now():
            open_ticket(employee if i % 2 else customer, category=categories["password"])
        frozen_clock.advance(minutes=7)
    client = login(supervisor.user)
    for sort in ("due", "newest"):
        _queries(client, sort=sort, size=25)  # warm caches (calendars, labels)
        assert _queries(client, sort=sort, size=25) == _queries(client, sort=sort, size=100)
    assert _queries(client, due="breached", size=25) == _queries(client, due="breached", size=50)
