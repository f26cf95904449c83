"""The ticket page's reads: a fixed, small number of queries whatever the thread, the
configuration kept in memory and still current after any change, and nothing left out."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.automation.models import Macro
from escala.desk import labels, queries
from escala.mail.models import BouncedAddress
from escala.tickets.actions import add_note, add_reply, change_status, link_tickets
from escala.tickets.choices import Channel, Status
from escala.tickets.models import Message, Ticket
from escala.tiers.models import Category, Team
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10  # issue #20: session, user, stamp, ticket, thread, mails, history, stays, ...


def _page(client, ticket):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response, ctx.captured_queries


def _thread(ticket, agent, n):
    """n messages after the first: replies by mail (the sender checks' query runs), notes, and a
    file on every other one."""
    for i in range(n):
        files = [SimpleUploadedFile(f"f{i}.txt", b"x" * (i + 1), content_type="text/plain")]
        if i % 2:
            add_note(ticket=ticket, by=agent.user, body=f"note {i}", attachments=files)
        else:
            add_reply(ticket=ticket, by=agent.user, body=f"reply {i}", channel=Channel.EMAIL)


@pytest.mark.parametrize("who", ["l1_agent", "supervisor"])
def test_the_ticket_page_costs_the_same_few_queries_for_one_message_and_fifty(
    request, login, frozen_clock, employee, categories, who
):
    agent = request.getfixturevalue(who)
    short = open_ticket(employee, category=categories["erp"], subject="short")
    long = open_ticket(employee, category=categories["erp"], subject="long")
    _thread(long, agent, 50)
    assert Message.objects.filter(ticket=long).count() == 51
    Macro.objects.create(name_en="Hello", name_es="Hola", body_en="Hi", body_es="Hola")
    client = login(agent.user)
    _page(client, short)  # warm-up: the labels and the SLA configuration are read once
    _, one = _page(client, short)
    _, fifty = _page(client, long)
    assert len(one) <= MAX_QUERIES, "\n".join(q["sql"][:120] for q in one)
    assert len(fifty) <= MAX_QUERIES, "\n".join(q["sql"][:120] for q in fifty)
    assert len(fifty) - len(one) <= 1  # only the mails' query, when the thread has mail


def test_the_page_shows_every_message_file_and_event(
    login, frozen_clock, l1_agent, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"], subject="Todo a la vista")
    _thread(ticket, l1_agent, 6)
    change_status(
        ticket=ticket.pk, by=l1_agent.user, to=Status.PENDING_CUSTOMER, reason="esperando"
    )
    response, _ = _page(login(l1_agent.user), ticket)
    body = response.content.decode()
    for message in Message.objects.filter(ticket=ticket).prefetch_related("attachments"):
        assert f'id="m{message.pk}"' in body
        assert message.body.splitlines()[0] in body
        for file in message.attachments.all():
            assert f'href="{reverse("attachment", args=[file.pk])}"' in body
            assert file.filename in body
    assert "Internal note" in body
    assert "Public reply" in body
    assert body.count('class="msg ') == 7
    assert "Email" in body  # the channel of a message that did not come through the portal
    assert "“esperando”" in body  # the history, with the reason
    assert 'id="action-assign"' in body
    assert 'id="action-resolve"' in body


def test_a_linked_ticket_and_a_bouncing_address_still_show(
    login, frozen_clock, l1_agent, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"], subject="one")
    other = open_ticket(employee, category=categories["erp"], subject="two")
    link_tickets(source=ticket, target=other, by=l1_agent.user, kind="related")
    client = login(l1_agent.user)
    body = _page(client, ticket)[0].content.decode()
    assert f'<a href="{reverse("desk:ticket", args=[other.pk])}">{other.reference}</a>' in body
    assert "Mail bounces" not in body
    now = frozen_clock.current
    BouncedAddress.objects.create(
        address=employee.email.lower(), status="5.1.1", first_at=now, last_at=now
    )
    body = _page(client, ticket)[0].content.decode()
    assert "Mail bounces" in body
    assert "5.1.1" in body


def test_a_change_of_configuration_shows_on_the_next_page(
    login, frozen_clock, l1_agent, l1_colleague, l2_network_agent, employee, categories, teams
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    macro = Macro.objects.create(name_en="Hello", name_es="Hola", body_en="Hi", body_es="Hola")
    response, _ = _page(client, ticket)
    assert 'id="action-macro"' in response.content.decode()
    offered = dict(response.context["forms"]["assign"].fields["assignee"].choices)
    assert l1_colleague.pk in {getattr(k, "value", k) for k in offered}
    assert l2_network_agent.pk not in {getattr(k, "value", k) for k in offered}

    Macro.objects.filter(pk=macro.pk).update(is_active=False)
    l2_network_agent.teams.add(teams["Service Desk"])
    response, _ = _page(client, ticket)
    assert 'id="action-macro"' not in response.content.decode()
    offered = dict(response.context["forms"]["assign"].fields["assignee"].choices)
    assert l2_network_agent.pk in {getattr(k, "value", k) for k in offered}


def test_an_agent_taken_off_a_team_no_longer_sees_its_tickets(
    login, frozen_clock, l1_agent, employee, categories, teams
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    assert _page(client, ticket)[0].status_code == 200
    l1_agent.teams.remove(teams["Service Desk"])
    response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 404


def test_the_page_says_i_am_here_without_a_query_of_its_own(
    login, frozen_clock, l1_agent, employee, categories
):
    from escala.desk import presence

    ticket = open_ticket(employee, category=categories["erp"])
    _page(login(l1_agent.user), ticket)
    # Presence lives in the cache (desk/presence.py): another agent sees this one viewing.
    seen = presence.others(ticket.pk, user_id=-1)
    assert [p.user_id for p in seen] == [l1_agent.user.pk]


def test_a_new_sla_target_re_targets_the_clock_on_the_next_page(
    login, frozen_clock, l1_agent, employee, categories, tiers
):
    from escala.sla.models import TierTarget

    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    response, _ = _page(client, ticket)
    assert {c.kind: c.target for c in response.context["clocks"]}.get("tier") is None
    TierTarget.objects.create(tier=tiers[1], target=timedelta(hours=4))
    response, _ = _page(client, ticket)
    assert {c.kind: c.target for c in response.context["clocks"]}["tier"] == timedelta(hours=4)


def test_the_thread_escapes_text_and_renders_markdown_safely(frozen_clock):
    from escala.desk.queries import File, ThreadMessage
    from escala.desk.templatetags.desk_tags import thread

    now = frozen_clock.current
    text = ThreadMessage(1, "reply", "requester", "<b>Eve</b>", "<script>x</script>\nok", "email",
                         now, None, files=[File(7, '"><img src=x>.txt', 10)])  # fmt: skip
    markdown = ThreadMessage(2, "reply", "agent", "Ana", "**hecho** <script>y</script>", "portal",
                             now, timedelta(minutes=5), body_format="markdown")  # fmt: skip
    html = str(thread([text, markdown]))
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;<br>ok" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "&quot;&gt;&lt;img src=x&gt;.txt" in html
    assert '<div class="msg-body md"><p><strong>hecho</strong>' in html
    assert "5 minutes" in html


def test_each_viewer_is_authorized_by_the_policy_though_the_sql_is_kept(
    login, frozen_clock, l1_agent, l2_network_agent, supervisor, employee, categories
):
    """The ticket's SQL is compiled once per connection and viewer scope (core.kept_sql): one
    viewer's kept query never answers for another's."""
    ticket = open_ticket(employee, category=categories["erp"])  # at Level 1
    url = reverse("desk:ticket", args=[ticket.pk])
    for _ in range(2):
        assert login(supervisor.user).get(url).status_code == 200
        assert login(l1_agent.user).get(url).status_code == 200
        assert login(l2_network_agent.user).get(url).status_code == 404
    assert login(supervisor.user).get(reverse("desk:ticket", args=[2**70])).status_code == 404


def test_a_session_ended_or_a_user_disabled_elsewhere_is_seen_on_the_next_request(
    login, frozen_clock, l1_agent, employee, categories
):
    """The session and the user are read with SQL kept per connection (core.sessions,
    people.backends): still read on every request, so a sign-out, an expiry or a disabled
    account in another process counts at once."""
    from django.contrib.sessions.models import Session

    ticket = open_ticket(employee, category=categories["erp"])
    url = reverse("desk:ticket", args=[ticket.pk])
    client = login(l1_agent.user)
    assert client.get(url).status_code == 200
    Session.objects.update(expire_date=frozen_clock.current - timedelta(seconds=1))
    assert client.get(url).status_code == 302  # to the sign-in page
    client = login(l1_agent.user)
    assert client.get(url).status_code == 200
    Session.objects.all().delete()
    assert client.get(url).status_code == 302
    client = login(l1_agent.user)
    assert client.get(url).status_code == 200
    type(l1_agent.user).objects.filter(pk=l1_agent.user.pk).update(is_active=False)
    assert client.get(url).status_code == 302


def test_the_tier_team_category_and_vendor_shown_are_those_of_the_database_now(
    login, frozen_clock, supervisor, employee, categories, teams
):
    """The page's ticket joins only its requester: the other names are desk.labels' rows,
    renamed on the next page as a join would show them."""
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(supervisor.user)
    _page(client, ticket)
    team = ticket.team if ticket.team_id else teams["Service Desk"]
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    Team.objects.filter(pk=team.pk).update(name="Renamed desk", name_es="Mesa renombrada")
    Category.objects.filter(pk=ticket.category_id).update(name_en="Renamed category")
    body = _page(client, ticket)[0].content.decode()
    assert "Renamed desk" in body
    assert "Renamed category" in body


def test_a_ticket_naming_a_row_newer_than_the_labels_is_read_with_its_joins(
    frozen_clock, supervisor, employee, categories, tiers
):
    ticket = open_ticket(employee, category=categories["erp"])
    names = labels.labels()
    newer = Team.objects.create(name="Night shift", tier=tiers[1])  # after the labels were read
    Ticket.objects.filter(pk=ticket.pk).update(team=newer)
    with CaptureQueriesContext(connection) as ctx:
        found = queries.ticket_for_page(supervisor.user, ticket.pk, names)
        assert found.team.name == "Night shift"
        assert found.tier.level == ticket.tier.level
    assert len(ctx.captured_queries) == 2  # the page's read, then the joined one
