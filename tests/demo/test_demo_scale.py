"""`escala demo_scale`: the clones are as consistent as the demo's own tickets, on every page."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Min, Q

from escala.knowledge.search import search_tickets
from escala.reports.models import DaySummary, TicketFact, TierTimeFact
from escala.sla.models import TicketClock
from escala.surveys.models import Survey
from escala.tickets.choices import DONE_STATUSES, EventKind
from escala.tickets.models import Message, Ticket, TicketEvent, TierStay
from tests.demo.checks import assert_status_events_replay_to_each_status

# Committed, as the command runs in real life (it vacuums after its own transaction).
pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="demo_scale clones inside PostgreSQL"
)


@pytest.fixture
def demo(settings):
    settings.ESCALA_DEMO_PASSWORD = "demo-pass-123"
    call_command("demo", tickets=40, stdout=StringIO(), stderr=StringIO())
    call_command("sla_rebuild", defaults=True, stdout=StringIO(), stderr=StringIO())
    call_command("reports_rebuild", stdout=StringIO())
    # The demo has no child tickets nor merges: make one of each, to see them follow the clone.
    parent, child, merged = Ticket.objects.order_by("pk")[:3]
    Ticket.objects.filter(pk=child.pk).update(parent=parent)
    Ticket.objects.filter(pk=merged.pk).update(merged_into=parent)
    Message.objects.filter(ticket=merged).update(ticket=parent, original_ticket=merged)
    return max(Ticket.objects.values_list("pk", flat=True))


def identity(ticket: Ticket) -> tuple:
    """What tells a demo ticket from the others (subjects repeat; the requester's words do not)."""
    first = ticket.messages.order_by("pk").first()
    return (ticket.subject, ticket.requester_id, first.body if first else "")


def scale(total: int) -> str:
    out = StringIO()
    call_command("demo_scale", tickets=total, stdout=out, stderr=StringIO())
    return out.getvalue()


@postgres_only
def test_scaling_clones_every_ticket_with_its_rows_and_new_ids_in_date_order(demo):
    old_top = demo
    counts = {m: m.objects.count() for m in (Message, TicketEvent, TierStay, TicketClock)}
    assert "60 tickets added" in scale(100)  # 40 + 40 + 20: one whole round, half another
    assert Ticket.objects.count() == 100
    clones = list(Ticket.objects.filter(pk__gt=old_top).order_by("pk"))
    assert [t.pk for t in clones] == list(range(old_top + 1, old_top + 61))
    assert [t.created_at for t in clones] == sorted(t.created_at for t in clones)
    # A clone is its original moved back in time by at most the jitter (3 hours).
    originals = {identity(t): t for t in Ticket.objects.filter(pk__lte=old_top)}
    assert len(originals) == 40
    for clone in clones:
        original = originals[identity(clone)]
        shift = original.created_at - clone.created_at
        assert 0 <= shift.total_seconds() <= 3 * 3600
        assert (clone.status, clone.tier_id, clone.requester_id) == (
            original.status,
            original.tier_id,
            original.requester_id,
        )
        assert clone.updated_at == original.updated_at - shift
    # Rows per ticket: the first round holds a copy of each, the second of the first 20.
    for model, before in counts.items():
        assert model.objects.count() > before * 2
    assert TicketFact.objects.count() == 100
    assert TierTimeFact.objects.values("ticket").distinct().count() == 100
    assert sum(DaySummary.objects.filter(slice="a").values_list("tickets", flat=True)) == 100


@postgres_only
def test_clones_have_a_history_as_consistent_as_the_demos(demo):
    scale(100)
    tickets = Ticket.objects.annotate(
        created_events=Count("events", filter=Q(events__kind=EventKind.CREATED), distinct=True),
        open_stays=Count("tier_stays", filter=Q(tier_stays__left_at__isnull=True), distinct=True),
        messages_n=Count("messages", distinct=True),
        first_event=Min("events__created_at"),
    )
    for ticket in tickets:
        assert ticket.created_events == 1
        assert ticket.messages_n >= 1 or ticket.merged_into_id  # the fixture's merge moved them
        assert ticket.first_event == ticket.created_at
        assert ticket.open_stays == (0 if ticket.status in DONE_STATUSES else 1)
    assert_status_events_replay_to_each_status()
    # A survey rates its own ticket's resolution; each has its own signing nonce.
    surveys = Survey.objects.select_related("resolution")
    assert surveys.count() > 0
    for survey in surveys:
        assert survey.resolution.ticket_id == survey.ticket_id
        assert survey.resolution.kind == EventKind.RESOLVED
        assert survey.resolved_at == survey.resolution.created_at
    assert len(set(surveys.values_list("nonce", flat=True))) == surveys.count()
    # The queue's Due column is the soonest running clock, as sla.clocks keeps it.
    for ticket in Ticket.objects.all():
        running = TicketClock.objects.filter(
            ticket=ticket, stopped_at__isnull=True, paused=False, due_at__isnull=False
        )
        assert ticket.sla_due_at == min((c.due_at for c in running), default=None)
    facts = TicketFact.objects.select_related("ticket")
    assert all(f.created_at == f.ticket.created_at for f in facts)


@postgres_only
def test_references_between_tickets_point_at_the_clones_of_the_same_round(demo):
    old_top = demo
    parent_subject = Ticket.objects.get(pk=1).subject
    scale(100)
    children = Ticket.objects.filter(parent__isnull=False, pk__gt=old_top)
    assert children.count() == 2  # the 40 of round one, the first 20 of round two: both
    for child in children.select_related("parent"):
        assert child.parent.pk > old_top
        assert child.parent.subject == parent_subject
        merged = Ticket.objects.get(merged_into=child.parent)
        moved = Message.objects.filter(ticket=child.parent, original_ticket=merged)
        assert merged.pk > old_top
        assert moved.exists()


@postgres_only
def test_clones_are_found_by_search_and_shown_by_the_console_and_the_api(demo, client):
    from escala.api.tokens import issue_token
    from escala.people.models import Agent

    old_top = demo
    scale(100)
    sara = Agent.objects.get(user__username="sara").user
    clone = Ticket.objects.filter(pk__gt=old_top).order_by("-pk").first()
    word = clone.subject.split()[0]
    hits = search_tickets(sara, clone.subject)
    assert clone.pk in {hit.ticket.pk for hit in hits}, word
    client.force_login(sara)
    page = client.get(f"/desk/tickets/{clone.pk}/")
    assert page.status_code == 200
    body = clone.messages.order_by("pk").first().body.splitlines()[0]
    assert body[:40] in page.content.decode()
    # The newest clone is its original moved back a little: next to it, at the top of the lists.
    queue = client.get("/desk/?queue=all&status=any")
    assert f"/desk/tickets/{clone.pk}/" in queue.content.decode()
    _token, raw = issue_token(user=sara, by=None, name="scale", scopes=["tickets:read"])
    listed = client.get("/api/v1/tickets?limit=5", headers={"Authorization": f"Bearer {raw}"})
    assert clone.pk in [item["id"] for item in listed.json()["items"]]


@postgres_only
@pytest.mark.django_db(transaction=False)
def test_scaling_restores_triggers_so_new_messages_are_indexed_again(demo):
    """Within a caller's transaction too: the rows written before it are checked first."""
    from escala.tickets.actions import add_reply

    scale(80)
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    from escala.people.models import Agent

    sara = Agent.objects.get(user__username="sara").user
    clone = Ticket.objects.exclude(status="closed").order_by("-pk").first()
    assert clone.pk > demo
    add_reply(ticket=clone, by=sara, body="zanahoria morada")
    assert clone.pk in {h.ticket.pk for h in search_tickets(sara, "zanahoria")}


@postgres_only
def test_nothing_is_cloned_when_the_demo_is_already_that_big(demo):
    assert "0 tickets added" in scale(40)
    assert Ticket.objects.count() == 40


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_demo_scale_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        scale(100)
