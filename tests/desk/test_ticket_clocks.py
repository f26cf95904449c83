"""The SLA clocks on the ticket page, and each clock's explain view."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from escala.tickets.actions import (
    add_reply,
    change_status,
    claim_ticket,
    escalate_ticket,
    refer_to_vendor,
)
from tests.desk.test_ticket_page import _grow, _ticket_queries
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


@pytest.fixture
def ticket(sla, frozen_clock, employee, categories):
    frozen_clock.current = madrid(2026, 3, 2, 9, 0)  # a Monday
    return open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")


def clocks_on_page(client, ticket):
    response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return {c.kind: c for c in response.context["clocks"]}, response.content.decode()


def explain(client, ticket, kind, **extra):
    return client.get(reverse("desk:clock_explain", args=[ticket.pk, kind]), **extra)


def test_every_clock_shows_its_target_time_left_and_due_time(login, ticket, frozen_clock, l1_agent):
    frozen_clock.current = madrid(2026, 3, 2, 10, 0)

    clocks, body = clocks_on_page(login(l1_agent.user), ticket)

    assert set(clocks) == {"first_response", "resolution", "tier"}
    first = clocks["first_response"]
    assert (first.state, first.remaining) == ("running", timedelta(hours=1))
    assert first.due_at == madrid(2026, 3, 2, 11, 0)
    assert clocks["resolution"].due_at == madrid(2026, 3, 3, 17, 0)  # 16 business hours
    assert 'id="clock-first_response"' in body
    assert "Time left" in body
    assert "1 h 00 min" in body
    assert 'datetime="2026-03-02T11:00:00+01:00"' in body
    assert "Tier target (OLA)" in body


def test_a_clock_past_its_target_shows_how_far_overdue(login, ticket, frozen_clock, l1_agent):
    frozen_clock.current = madrid(2026, 3, 2, 11, 30)

    clocks, body = clocks_on_page(login(l1_agent.user), ticket)

    assert clocks["first_response"].state == "breached"
    assert clocks["first_response"].overdue == timedelta(minutes=30)
    assert "Overdue by" in body
    assert "30 min" in body


def test_a_reply_stops_the_first_response_clock_in_time(login, ticket, frozen_clock, l1_agent):
    frozen_clock.current = madrid(2026, 3, 2, 9, 45)
    add_reply(ticket=ticket, by=l1_agent.user, body="Lo miramos.")
    frozen_clock.current = madrid(2026, 3, 2, 12, 0)

    clocks, body = clocks_on_page(login(l1_agent.user), ticket)

    first = clocks["first_response"]
    assert (first.state, first.elapsed) == ("stopped", timedelta(minutes=45))
    assert "Stopped in time" in body


def test_a_pause_shows_on_the_page_and_its_reason_in_the_explain_view(
    login, ticket, frozen_clock, l1_agent
):
    client = login(l1_agent.user)
    frozen_clock.current = madrid(2026, 3, 2, 10, 0)
    claim_ticket(ticket=ticket, by=l1_agent.user)
    change_status(ticket=ticket, by=l1_agent.user, to="pending_customer")
    frozen_clock.current = madrid(2026, 3, 2, 12, 0)

    clocks, body = clocks_on_page(client, ticket)
    resolution = clocks["resolution"]
    assert (resolution.state, resolution.elapsed) == ("paused", timedelta(hours=1))
    assert resolution.due_at is None
    assert "when the clock resumes" in body

    response = explain(client, ticket, "resolution")
    page = response.content.decode()
    pieces = [(p.kind, p.start, p.end) for p in response.context["explanation"].pieces]
    assert pieces == [
        ("counted", madrid(2026, 3, 2, 9, 0), madrid(2026, 3, 2, 10, 0)),
        ("paused", madrid(2026, 3, 2, 10, 0), madrid(2026, 3, 2, 12, 0)),
    ]
    assert "Paused: the ticket was “Pending customer”." in page
    assert "Working time: counted." in page
    assert "SLA policy “Standard”." in page
    assert "<html" in page  # a page of its own: readable without JavaScript


def test_the_vendor_clock_runs_while_the_customer_clock_is_paused(
    login, ticket, frozen_clock, l1_agent, l2_is_agent, vendor
):
    frozen_clock.current = madrid(2026, 3, 2, 10, 0)
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Nada más.")
    frozen_clock.current = madrid(2026, 3, 2, 11, 0)
    refer_to_vendor(ticket=ticket, by=l2_is_agent.user, vendor=vendor, reason="Bug del cierre")
    frozen_clock.current = madrid(2026, 3, 2, 13, 0)
    client = login(l2_is_agent.user)

    clocks, body = clocks_on_page(client, ticket)

    vendor_response = clocks["vendor_response"]
    assert (vendor_response.state, vendor_response.elapsed) == ("running", timedelta(hours=2))
    assert vendor_response.remaining == timedelta(hours=2)
    assert clocks["resolution"].state == "paused"
    assert "tier" not in clocks  # no internal tier holds a referred ticket
    assert "Vendor response" in body
    assert "Vendor resolution" in body

    explained = explain(client, ticket, "vendor_response").context["explanation"]
    assert explained.started_by == "Referred to vendor"
    assert explained.basis == "The times agreed with the vendor."
    resolution = explain(client, ticket, "resolution").context["explanation"]
    assert resolution.pieces[-1].why == "Paused: the ticket was “Pending vendor”."


def test_the_explain_view_names_the_holiday_that_did_not_count(
    login, sla, frozen_clock, employee, categories, l1_agent
):
    # Friday 9 October 2026 at 16:00; Monday 12 October is Spain's national day.
    frozen_clock.current = madrid(2026, 10, 9, 16, 0)
    ticket = open_ticket(employee, category=categories["erp"])
    frozen_clock.current = madrid(2026, 10, 13, 10, 0)

    explanation = explain(login(l1_agent.user), ticket, "tier").context["explanation"]

    kinds = [p.kind for p in explanation.pieces]
    assert kinds == ["counted", "closed", "counted"]
    assert explanation.panel.elapsed == timedelta(hours=2)
    why = explanation.pieces[1].why
    assert why == "Outside working hours; days off: 10/12/2026 (National Day)."


def test_htmx_loads_only_the_explain_panel(login, ticket, l1_agent):
    client = login(l1_agent.user)
    response = explain(client, ticket, "first_response", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div class="explain">')
    assert "<html" not in body


def test_unknown_clock_or_hidden_ticket_is_not_found(
    login, ticket, l1_agent, frozen_clock, employee, categories
):
    client = login(l1_agent.user)
    assert explain(client, ticket, "vendor_response").status_code == 404
    hidden = open_ticket(employee, category=categories["database"])
    assert explain(client, hidden, "resolution").status_code == 404


def test_the_clocks_read_in_spanish(login, ticket, frozen_clock, l1_agent, settings):
    settings.LANGUAGE_CODE = "es"
    frozen_clock.current = madrid(2026, 3, 2, 10, 0)
    client = login(l1_agent.user)
    body = client.get(
        reverse("desk:ticket", args=[ticket.pk]), headers={"accept-language": "es"}
    ).content.decode()
    assert "Tiempo restante" in body
    assert "Explicar" in body
    page = explain(client, ticket, "first_response", headers={"accept-language": "es"})
    assert "Tiempo laborable: cuenta." in page.content.decode()


def test_the_clocks_add_no_queries_as_the_thread_grows(
    login, sla, frozen_clock, l1_agent, l2_is_agent, employee, categories, vendor
):
    frozen_clock.current = madrid(2026, 3, 2, 9, 0)
    short = open_ticket(employee, category=categories["erp"], subject="short")
    long = open_ticket(employee, category=categories["erp"], subject="long")
    _grow(short, l1_agent, 5)
    _grow(long, l1_agent, 40)
    for t in (short, long):
        change_status(ticket=t, by=l1_agent.user, to="pending_customer")
        change_status(ticket=t, by=l1_agent.user, to="open")
    client = login(l1_agent.user)
    _ticket_queries(client, short)  # warm-up (the calendar is built once per process)
    assert _ticket_queries(client, short) == _ticket_queries(client, long)


def test_without_a_policy_the_clocks_count_but_promise_nothing(
    login, frozen_clock, employee, categories, l1_agent
):
    ticket = open_ticket(employee, category=categories["erp"])
    add_reply(ticket=ticket, by=l1_agent.user, body="Hola.")

    clocks, body = clocks_on_page(login(l1_agent.user), ticket)

    assert clocks["first_response"].target is None
    assert clocks["first_response"].state == "stopped"
    assert "Stopped in time" not in body
    assert "Time left" not in body
