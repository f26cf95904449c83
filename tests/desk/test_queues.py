"""The console's queues: what each holds, filters, sort, keyset pages, bulk actions."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.tickets.actions import assign_ticket, claim_ticket, escalate_ticket
from escala.tickets.choices import Status
from escala.tickets.models import Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return [t.reference for t in response.context["page"].rows]


def test_a_requester_is_sent_from_the_console_to_the_portal(login, employee):
    response = login(employee.user).get(reverse("desk:queue"))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_the_console_needs_a_sign_in(client):
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_my_tickets_holds_what_i_claimed(login, frozen_clock, l1_agent, employee, categories):
    mine = open_ticket(employee, category=categories["password"], subject="Mine")
    open_ticket(employee, category=categories["password"], subject="Not mine")
    claim_ticket(ticket=mine, by=l1_agent.user)

    response = login(l1_agent.user).get(reverse("desk:queue"), {"queue": "mine"})

    assert refs(response) == [mine.reference]


def test_unassigned_at_my_tiers_leaves_out_other_tiers(
    login, frozen_clock, l1_agent, employee, categories
):
    first = open_ticket(employee, category=categories["password"], subject="L1 ticket")
    open_ticket(employee, category=categories["database"], subject="L2 ticket")

    response = login(l1_agent.user).get(reverse("desk:queue"), {"queue": "unassigned"})

    assert refs(response) == [first.reference]
    assert b"L2 ticket" not in response.content


def test_all_tickets_is_offered_to_supervisors_only(login, l1_agent, supervisor):
    as_agent = login(l1_agent.user).get(reverse("desk:queue"))
    assert "all" not in [key for key, _label, _url in as_agent.context["queues"]]
    as_supervisor = login(supervisor.user).get(reverse("desk:queue"))
    assert "all" in [key for key, _label, _url in as_supervisor.context["queues"]]


def test_filters_narrow_the_queue(login, frozen_clock, supervisor, employee, customer, categories):
    open_ticket(employee, category=categories["password"], subject="Employee one")
    theirs = open_ticket(customer, category=categories["connectivity"], subject="Customer one")

    response = login(supervisor.user).get(
        reverse("desk:queue"),
        {"queue": "all", "organization": customer.organization_id, "channel": "portal"},
    )

    assert refs(response) == [theirs.reference]


def test_keyset_pages_walk_every_ticket_once_in_order(
    login, frozen_clock, supervisor, employee, categories
):
    made = []
    for i in range(7):
        frozen_clock.advance(minutes=1)
        made.append(open_ticket(employee, category=categories["password"], subject=f"T{i}"))
    client = login(supervisor.user)
    seen, params = [], {"queue": "all", "size": "25"}
    response = client.get(reverse("desk:queue"), params)
    # Page size 25 holds all 7; ask with a smaller page by crafting the URL the pager uses.
    assert refs(response) == [t.reference for t in reversed(made)]

    from escala.core.paging import keyset_page

    cursor = None
    while True:
        page = keyset_page(
            Ticket.objects.all(), order=[("created_at", True), ("id", True)], cursor=cursor, size=3
        )
        seen += [t.pk for t in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [t.pk for t in reversed(made)]


def test_next_page_link_follows_the_sort(login, frozen_clock, supervisor, employee, categories):
    for i in range(30):
        frozen_clock.advance(minutes=1)
        open_ticket(employee, category=categories["password"], subject=f"T{i:02d}")
    client = login(supervisor.user)
    first = client.get(reverse("desk:queue"), {"queue": "all", "sort": "oldest"})
    assert [t.subject for t in first.context["page"].rows][:2] == ["T00", "T01"]
    second = client.get(reverse("desk:queue") + first.context["next_url"])
    assert [t.subject for t in second.context["page"].rows] == [f"T{i:02d}" for i in range(25, 30)]
    assert second.context["next_url"] is None


def test_a_tampered_cursor_shows_the_first_page(login, frozen_clock, supervisor, employee):
    open_ticket(employee)
    response = login(supervisor.user).get(
        reverse("desk:queue"), {"queue": "all", "after": "not-a-cursor!!"}
    )
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 1


def test_priority_sort_puts_critical_first(login, frozen_clock, supervisor, employee):
    low = open_ticket(employee, subject="low", impact="low", urgency="low")
    critical = open_ticket(employee, subject="crit", impact="high", urgency="high")
    response = login(supervisor.user).get(
        reverse("desk:queue"), {"queue": "all", "sort": "priority"}
    )
    assert refs(response)[:2] == [critical.reference, low.reference]


def test_htmx_filter_returns_only_the_results_fragment(login, frozen_clock, supervisor, employee):
    open_ticket(employee, subject="Printer on fire")
    response = login(supervisor.user).get(
        reverse("desk:queue"), {"queue": "all", "q": "printer"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body
    assert "Printer on fire" in body


def test_bulk_assign_and_status(login, frozen_clock, supervisor, l1_agent, employee, categories):
    a = open_ticket(employee, category=categories["password"], subject="A")
    b = open_ticket(employee, category=categories["password"], subject="B")
    client = login(supervisor.user)

    client.post(
        reverse("desk:bulk"),
        {"tickets": [a.pk, b.pk], "operation": "assign", "assignee": l1_agent.pk},
    )
    client.post(
        reverse("desk:bulk"),
        {"tickets": [a.pk, b.pk], "operation": "status", "status": Status.PENDING_CUSTOMER},
    )

    for ticket in (a, b):
        ticket.refresh_from_db()
        assert ticket.assignee == l1_agent
        assert ticket.status == Status.PENDING_CUSTOMER


def test_bulk_priority_reports_refusals_per_ticket(
    login, frozen_clock, l1_agent, employee, categories
):
    ok = open_ticket(employee, category=categories["password"], subject="ok")
    elsewhere = open_ticket(employee, category=categories["database"], subject="L2")
    response = login(l1_agent.user).post(
        reverse("desk:bulk"),
        {"tickets": [ok.pk, elsewhere.pk], "operation": "priority", "priority": "high"},
        follow=True,
    )
    ok.refresh_from_db()
    elsewhere.refresh_from_db()
    assert ok.priority == "high"
    assert elsewhere.priority != "high"  # not in the agent's sight: refused, not changed
    assert f"#{elsewhere.pk}" in response.content.decode()


def _queue_queries(client, size: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("desk:queue"), {"queue": "all", "size": size})
    assert len(response.context["page"].rows) == min(size, Ticket.objects.count())
    return len(ctx.captured_queries)


def test_queue_page_queries_do_not_grow_with_page_size(
    login, frozen_clock, l1_agent, supervisor, employee, customer, categories
):
    for i in range(60):
        t = open_ticket(
            employee if i % 2 else customer, category=categories["password"], subject=f"T{i}"
        )
        if i % 3 == 0:
            assign_ticket(ticket=t, by=supervisor.user, assignee=l1_agent)
        if i % 5 == 0:
            escalate_ticket(ticket=t, by=supervisor.user, reason="r", handover="h")
    client = login(supervisor.user)
    _queue_queries(client, 25)  # warm caches (content types, sessions)
    assert _queue_queries(client, 25) == _queue_queries(client, 50)


def test_an_agent_saves_a_filter_and_finds_it_again(login, l1_agent, l1_colleague):
    client = login(l1_agent.user)
    response = client.post(
        reverse("desk:save_filter"),
        {"name": "Urgent phone", "query": "queue=all&priority=high&channel=phone&after=xyz&evil=1"},
    )
    saved = l1_agent.saved_filters.get()
    assert saved.query == "queue=all&priority=high&channel=phone"
    assert response.url.endswith("?" + saved.query)
    assert "Urgent phone" in client.get(reverse("desk:queue")).content.decode()
    # Another agent cannot delete it.
    other = login(l1_colleague.user)
    assert other.post(reverse("desk:delete_filter", args=[saved.pk])).status_code == 404
    assert l1_agent.saved_filters.exists()


@pytest.mark.parametrize(
    ("queue", "sort", "index"),
    [
        ("all", "priority", "desk_open_by_priority"),
        ("all", "updated", "desk_open_by_updated"),
        # The Due sort reads the open tickets' index (desk 0011) where it had the whole table's.
        ("all", "due", ("ticket_sla_due", "desk_open_by_due")),
        ("all", "newest", "desk_open_newest"),
        ("unassigned", "newest", ("desk_open_unassigned", "desk_open_newest")),
    ],
)
def test_the_open_queue_sorts_can_read_their_index_on_postgresql(
    login, l1_agent, employee, categories, queue, sort, index
):
    """The sort expressions must stay the ones the partial indexes were built on (migrations
    desk 0004 and 0011), or a page reads and sorts every open ticket again."""
    if connection.vendor != "postgresql":
        pytest.skip("the sort indexes are PostgreSQL's")
    open_ticket(employee, category=categories["password"])
    with CaptureQueriesContext(connection) as ctx:
        login(l1_agent.user).get(reverse("desk:queue"), {"queue": queue, "sort": sort})
    [page_sql] = [
        q["sql"]
        for q in ctx.captured_queries
        if "ORDER BY" in q["sql"] and 'FROM "tickets_ticket"' in q["sql"] and "LIMIT 26" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + page_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan


def test_a_queue_row_shows_the_ticket_with_every_text_escaped(
    login, frozen_clock, supervisor, l1_agent, employee, categories
):
    """The rows are written in Python (desk.present), not by the template: nothing there may
    reach the page unescaped."""
    employee.name = 'Marta "<b>" Gómez'
    employee.save()
    ticket = open_ticket(
        employee, category=categories["password"], subject="<script>alert(1)</script> & co"
    )
    assign_ticket(ticket=ticket, by=supervisor.user, assignee=l1_agent)
    other = open_ticket(employee, category=categories["password"], subject="Nobody's")

    page = login(supervisor.user).get(reverse("desk:queue"), {"queue": "all"}).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "Marta &quot;&lt;b&gt;&quot; Gómez" in page
    assert f'href="{reverse("desk:ticket", args=[ticket.pk])}"' in page
    assert f'aria-label="Select {ticket.reference}"' in page
    assert '<div class="muted small">Password reset</div>' in page
    assert '<span class="tier-chip" title="Level 1' in page
    assert '<span class="muted small">Service Desk</span>' in page
    assert ">Lucia</td>" in page
    assert '<span class="badge status-open">Open</span>' in page
    assert other.reference in page
    assert '<span class="muted">Unassigned</span>' in page


def test_the_filters_show_what_was_asked_each_time(login, supervisor, categories):
    """desk.present keeps the rendered filters per set of filters asked for."""
    client = login(supervisor.user)
    url = reverse("desk:queue")
    category = categories["erp"].pk
    chosen = f'<option value="{category}" selected>ERP</option>'
    for _ in range(2):
        assert chosen in client.get(url, {"queue": "all", "category": category}).text
        assert chosen not in client.get(url, {"queue": "all"}).text
        page = client.get(url, {"queue": "all", "category": category, "priority": "high"}).text
        assert chosen in page
        assert '<option value="high" selected>' in page
    assert ">Cualquiera</option>" not in client.get(url, {"queue": "all"}).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert ">Cualquiera</option>" in client.get(url, {"queue": "all"}).text


def test_the_search_box_finds_words_in_messages_not_only_subjects(
    login, frozen_clock, supervisor, employee
):
    found = open_ticket(employee, subject="No va", body="La impresora de la planta tres atasca")
    open_ticket(employee, subject="Otra cosa", body="El correo no llega")
    response = login(supervisor.user).get(reverse("desk:queue"), {"queue": "all", "q": "atasca"})
    assert refs(response) == [found.reference]


def test_the_search_box_still_finds_a_ticket_by_its_number(
    login, frozen_clock, supervisor, employee
):
    ticket = open_ticket(employee, subject="Algo")
    response = login(supervisor.user).get(
        reverse("desk:queue"), {"queue": "all", "q": ticket.reference}
    )
    assert refs(response) == [ticket.reference]
    for typed in (f"#{ticket.pk}", ticket.reference.lower(), f" ESC {ticket.pk} "):
        response = login(supervisor.user).get(reverse("desk:queue"), {"queue": "all", "q": typed})
        assert refs(response) == [ticket.reference], typed


def test_the_search_box_never_reaches_beyond_what_the_agent_sees(
    login, frozen_clock, tiers, l1_agent, employee
):
    hidden = open_ticket(employee, subject="Secreto", body="servidor quemado")
    escalate_ticket(ticket=hidden, by=None, to_tier=tiers[3], reason="r", handover="h")
    response = login(l1_agent.user).get(reverse("desk:queue"), {"queue": "all", "q": "quemado"})
    assert refs(response) == []
