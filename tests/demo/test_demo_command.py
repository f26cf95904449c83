from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Q

from escala.demo import content
from escala.people.models import Agent, Organization, Requester
from escala.tickets.choices import DONE_STATUSES, EventKind
from escala.tickets.models import Message, Ticket, TicketEvent, TierStay
from escala.tiers.models import Vendor
from tests.demo.checks import assert_status_events_replay_to_each_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_password(settings):
    settings.ESCALA_DEMO_PASSWORD = "demo-pass-123"
    return "demo-pass-123"


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_demo_builds_an_organization_with_every_tier_staffed(demo_password):
    output = run_demo("--tickets", "300")
    assert Ticket.objects.count() == 300
    assert Organization.objects.filter(kind="department").count() >= 4
    assert Organization.objects.filter(kind="customer").count() >= 10
    assert Vendor.objects.count() == 4
    staffed = set(Agent.objects.values_list("teams__tier__level", flat=True))
    assert {1, 2, 3} <= staffed
    assert set(Requester.objects.values_list("language", flat=True)) == {"es", "en"}
    assert "lucia" in output
    assert demo_password in output
    assert authenticate(username="lucia", password=demo_password) is not None


def test_demo_tickets_have_a_consistent_history(demo_password):
    run_demo("--tickets", "400")
    tickets = Ticket.objects.annotate(
        created_events=Count("events", filter=Q(events__kind=EventKind.CREATED), distinct=True),
        open_stays=Count("tier_stays", filter=Q(tier_stays__left_at__isnull=True), distinct=True),
        messages_n=Count("messages", distinct=True),
    )
    for ticket in tickets:
        assert ticket.created_events == 1
        assert ticket.messages_n >= 1
        assert ticket.open_stays == (0 if ticket.status in DONE_STATUSES else 1), ticket.status
        if ticket.status in DONE_STATUSES:
            assert ticket.resolved_at is not None
    assert_status_events_replay_to_each_status()
    # The journeys cover every level, escalations and vendors included.
    assert set(TierStay.objects.values_list("tier__level", flat=True)) == {1, 2, 3, 4}
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED).exists()
    assert TicketEvent.objects.filter(kind=EventKind.REFERRED_TO_VENDOR).exists()
    assert set(Ticket.objects.values_list("channel", flat=True)) == {
        "email",
        "portal",
        "phone",
        "api",
    }
    # Requests come in both languages.
    bodies = set(Message.objects.filter(author_kind="requester").values_list("body", flat=True))
    for lang in ("es", "en"):
        written = {body for texts in content.TEXTS.values() for _s, body in texts[lang]}
        assert any(core in body for body in bodies for core in written), lang
    # ...each in its requester's own words: hardly two alike.
    assert len(bodies) > 0.8 * Ticket.objects.count()


def test_demo_is_idempotent_and_if_empty_adds_nothing_the_second_time(demo_password):
    run_demo("--tickets", "50")
    first_ids = set(Ticket.objects.values_list("pk", flat=True))
    agents = Agent.objects.count()
    assert "already" in run_demo("--tickets", "50", "--if-empty")
    assert Ticket.objects.count() == 50
    run_demo("--tickets", "20")
    assert Ticket.objects.count() == 70
    assert Agent.objects.count() == agents
    # New tickets continue the numbering.
    new_ids = set(Ticket.objects.values_list("pk", flat=True)) - first_ids
    assert len(new_ids) == 20
    assert min(new_ids) > max(first_ids)


def test_demo_tickets_can_be_worked_with_the_actions_afterwards(demo_password):
    from escala.tickets.actions import create_ticket

    run_demo("--tickets", "30")
    marta = Requester.objects.get(user__username="marta")
    ticket = create_ticket(
        requester=marta, subject="Nuevo", body="Hola", channel="portal", by=marta.user
    )
    assert ticket.pk > 30


def test_the_demo_has_something_to_show_everywhere(demo_password):
    from escala.automation.models import Macro, Trigger
    from escala.knowledge.choices import ArticleState
    from escala.knowledge.models import Article, Deflection
    from escala.surveys.models import Survey
    from escala.tickets.models import VendorCase

    call_command("demo", tickets=300, stdout=StringIO())
    published = Article.objects.filter(state=ArticleState.PUBLISHED)
    assert published.count() >= 12
    for article in published.prefetch_related("translations"):
        assert {t.language for t in article.translations.all()} == {"es", "en"}
    assert Macro.objects.count() >= 3
    assert Trigger.objects.count() >= 2
    assert Deflection.objects.exists()
    assert Survey.objects.filter(rating__isnull=False).exists()
    assert Survey.objects.count() == TicketEvent.objects.filter(kind=EventKind.RESOLVED).count()
    assert VendorCase.objects.exists()


def test_make_runs_report_rebuild_counts_every_demo_ticket_of_the_period(demo_password):
    from escala.reports.queries import Filters, dashboard

    call_command("demo", tickets=300, days=60, stdout=StringIO())
    call_command("reports_rebuild", missing=True, stdout=StringIO())
    filters = Filters.last_days(30)
    in_period = Ticket.objects.filter(
        created_at__gte=filters.since, created_at__lt=filters.until
    ).count()
    assert in_period > 0
    assert dashboard(filters).tickets == in_period


@pytest.mark.django_db(transaction=True)
def test_demo_leaves_the_planner_statistics_on_postgresql(demo_password):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    run_demo("--tickets", "50")
    with connection.cursor() as cursor:
        # A table never analyzed counts -1 tuples (PostgreSQL 14 and later).
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'tickets_ticket'")
        assert cursor.fetchone()[0] >= 50
