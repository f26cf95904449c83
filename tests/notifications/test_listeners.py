"""Who is told of what: each kind reaches the right agents, never the actor, never someone who
cannot see the ticket, as each person chose (console, mail, both, off). Both relays."""

import pytest
from django.core import mail as django_mail
from django.db import transaction

from escala.mail.models import Outbox
from escala.notifications import actions as n_actions
from escala.notifications.choices import Delivery, Kind
from escala.notifications.listeners import notify
from escala.notifications.models import Notification, NotificationPreference
from escala.notifications.queries import unread_count
from escala.people.models import Agent
from escala.tickets import events
from escala.tickets.actions import (
    add_note,
    add_participant,
    add_reply,
    assign_ticket,
    claim_ticket,
    de_escalate_ticket,
    escalate_ticket,
)
from escala.tickets.choices import EventKind
from escala.tickets.models import TicketEvent
from tests.conftest import make_agent
from tests.tickets.factories import open_ticket


def _told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def ticket(committed, employee, categories):
    with committed():
        return open_ticket(employee, category=categories["erp"])


def test_an_assignment_tells_the_new_assignee_not_the_one_who_assigned(
    committed, ticket, l1_agent, l1_colleague
):
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=l1_colleague)
    assert _told(Kind.ASSIGNED) == {"pablo"}
    n = Notification.objects.get(kind=Kind.ASSIGNED)
    assert (n.ticket_id, n.actor_id, n.read_at) == (ticket.pk, l1_agent.user_id, None)
    assert unread_count(l1_colleague.user) == 1
    assert unread_count(l1_agent.user) == 0


def test_assigning_oneself_or_claiming_tells_no_one(committed, ticket, l1_agent):
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=l1_agent)
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=None)
    with committed():
        claim_ticket(ticket=ticket, by=l1_agent.user)
    assert not Notification.objects.exists()


def test_an_escalation_tells_every_agent_of_the_receiving_team_but_the_actor(
    committed, ticket, l1_agent, l2_is_agent, l2_network_agent, teams
):
    iker_mate = make_agent("irene", teams["Information Systems"])
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado")
    assert _told(Kind.ESCALATED) == {"iker", "irene"}
    n = Notification.objects.get(recipient=iker_mate.user)
    assert n.params["team"] == {"en": "Information Systems", "es": "Information Systems"}
    assert n.params["tier"] == "L2"


def test_an_escalation_to_a_tier_without_a_team_tells_the_whole_tier(
    committed, ticket, l1_agent, l2_is_agent, l2_network_agent, l2_db_specialist, l3_engineer
):
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="?", handover="Nada")
    # As when no team at Level 2 takes the ticket's category: the tier received it.
    Notification.objects.all().delete()
    ticket.refresh_from_db()
    ticket.team = None
    ticket.save()
    recorded = ticket.events.get(kind=EventKind.ESCALATED)
    event = TicketEvent(
        ticket=ticket,
        kind=EventKind.ESCALATED,
        actor=l1_agent.user,
        actor_name="Lucia",
        new_value="L2",
        data={**recorded.data, "to_team_id": None, "to_team": ""},
    )
    notify([event])
    assert _told(Kind.ESCALATED) == {"iker", "nuria", "dolores"}
    assert Notification.objects.filter(kind=Kind.ESCALATED).first().params["team"] is None


def test_an_escalating_agent_in_the_receiving_team_is_not_told(
    committed, ticket, l2_is_agent, teams
):
    both = make_agent("bruno", teams["Service Desk"], teams["Information Systems"])
    with committed():
        escalate_ticket(ticket=ticket, by=both.user, reason="ERP", handover="Probado")
    assert _told(Kind.ESCALATED) == {"iker"}


def test_sending_a_ticket_back_tells_the_lower_team(
    committed, ticket, l1_agent, l1_colleague, l2_is_agent, teams
):
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado")
    with committed():
        de_escalate_ticket(
            ticket=ticket, by=l2_is_agent.user, note="Apply KB-12", to_team=teams["Service Desk"]
        )
    assert _told(Kind.RETURNED) == {"lucia", "pablo"}


def test_a_requester_reply_tells_the_assignee_only(
    committed, ticket, employee, l1_agent, l1_colleague
):
    with committed():
        assign_ticket(ticket=ticket, by=l1_colleague.user, assignee=l1_agent)
    with committed():
        add_reply(ticket=ticket, by=employee.user, body="Sigue igual.")
    assert _told(Kind.REQUESTER_REPLIED) == {"lucia"}
    # The requester's name is not copied (erasing them leaves nothing behind here).
    assert Notification.objects.get(kind=Kind.REQUESTER_REPLIED).params == {}


def test_a_reply_on_an_unassigned_ticket_tells_no_one(committed, ticket, employee, l1_agent):
    with committed():
        add_reply(ticket=ticket, by=employee.user, body="¿Hola?")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("kind", [EventKind.SLA_WARNING, EventKind.SLA_BREACHED])
def test_an_sla_warning_or_breach_tells_the_assignee(
    committed, ticket, kind, l1_agent, l1_colleague
):
    with committed():
        assign_ticket(ticket=ticket, by=l1_colleague.user, assignee=l1_agent)
    with committed(), transaction.atomic():
        events.record(ticket, kind, by=None, field="resolution", new="2026-03-02T10:00:00+00:00")
    n = Notification.objects.get(kind=kind)
    assert n.recipient == l1_agent.user
    assert n.actor_id is None
    assert n.params["clock"] == "resolution"


def test_a_mention_tells_the_agents_named_who_may_see_the_ticket(
    committed, ticket, l1_agent, l1_colleague, l2_is_agent, supervisor
):
    supervisor.user.first_name, supervisor.user.last_name = "Sara", "Montiel"
    supervisor.user.save()
    body = '@Pablo mira esto con @"sara  montiel"; @iker no lo ve; @lucia soy yo; @nadie.'
    with committed():
        add_note(ticket=ticket, by=l1_agent.user, body=body)
    # iker (Level 2, another team) cannot see a Level 1 ticket; lucia wrote it.
    assert _told(Kind.MENTIONED) == {"pablo", "sara"}
    n = Notification.objects.get(recipient=l1_colleague.user)
    assert n.params["excerpt"].startswith("@Pablo mira esto")


def test_a_mention_of_an_agent_pulled_into_the_ticket_reaches_them(
    committed, ticket, l1_agent, l2_is_agent
):
    with committed():
        add_participant(ticket=ticket, by=l1_agent.user, agent=l2_is_agent)
    with committed():
        add_note(ticket=ticket, by=l1_agent.user, body="@iker ¿lo ves?")
    assert _told(Kind.MENTIONED) == {"iker"}


def test_an_inactive_agent_is_never_told(committed, ticket, l1_agent, l1_colleague):
    l1_colleague.is_active = False
    l1_colleague.save()
    with committed():
        add_note(ticket=ticket, by=l1_agent.user, body="@pablo")
    assert not Notification.objects.exists()


def test_an_escalation_is_not_shown_to_someone_who_lost_sight_of_the_ticket(
    committed, ticket, l1_agent, l2_is_agent, teams
):
    # The batch is relayed after the ticket moved on again (to Level 3, beyond Level 2's view).
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado")
    Notification.objects.all().delete()
    event = ticket.events.filter(kind=EventKind.ESCALATED).get()
    ticket.tier = teams["Engineering"].tier
    ticket.team = teams["Engineering"]
    ticket.save()
    assert notify([event]) == []


def test_a_choice_of_mail_only_sends_a_mail_in_the_agents_language_and_no_bell(
    committed, ticket, l1_agent, l1_colleague, django_capture_on_commit_callbacks
):
    n_actions.set_preferences(user=l1_colleague.user, choices={Kind.ASSIGNED: Delivery.MAIL})
    l1_colleague.language = "es"
    l1_colleague.save()
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=l1_colleague)
    assert not Notification.objects.exists()
    sent = Outbox.objects.get(to=l1_colleague.user.email)
    assert sent.kind == "agent_notice"
    assert "Asignado a mí" in sent.subject
    assert "Lucia te ha asignado este ticket." in sent.body
    assert f"/desk/tickets/{ticket.pk}/" in sent.body


def test_a_choice_of_off_tells_nothing_and_both_tells_both(
    committed, ticket, l1_agent, l1_colleague, l2_is_agent, teams
):
    n_actions.set_preferences(user=l1_colleague.user, choices={Kind.ASSIGNED: Delivery.NONE})
    n_actions.set_preferences(user=l2_is_agent.user, choices={Kind.ESCALATED: Delivery.BOTH})
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=l1_colleague)
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado")
    assert _told(Kind.ASSIGNED) == set()
    assert not Outbox.objects.filter(to=l1_colleague.user.email).exists()
    assert _told(Kind.ESCALATED) == {"iker"}
    assert Outbox.objects.filter(to=l2_is_agent.user.email, kind="escalated").count() == 1


def test_in_app_only_sends_no_mail(committed, ticket, employee, l1_agent, l1_colleague):
    with committed():
        assign_ticket(ticket=ticket, by=l1_colleague.user, assignee=l1_agent)
    before = Outbox.objects.filter(to=l1_agent.user.email).count()
    with committed():
        add_reply(ticket=ticket, by=employee.user, body="Sigue igual.")  # default: in-app
    assert _told(Kind.REQUESTER_REPLIED) == {"lucia"}
    assert Outbox.objects.filter(to=l1_agent.user.email).count() == before


def test_requesters_never_get_an_agent_notification(
    committed, ticket, employee, l1_agent, l1_colleague
):
    with committed():
        add_note(ticket=ticket, by=l1_agent.user, body=f"@{employee.user.username} @pablo")
    assert _told(Kind.MENTIONED) == {"pablo"}
    assert not Outbox.objects.filter(kind="agent_notice", to=employee.email).exists()


def test_a_batch_is_told_with_a_fixed_number_of_queries(
    django_assert_max_num_queries, employee, categories, l1_agent, l1_colleague, teams, settings
):
    settings.ESCALA_MAIL_NOTIFY = False
    for n in range(4):
        make_agent(f"is{n}", teams["Information Systems"])
    tickets = [open_ticket(employee, category=categories["erp"]) for _ in range(5)]
    for t in tickets:
        escalate_ticket(ticket=t, by=l1_agent.user, reason="ERP", handover="Probado")
        add_note(ticket=t, by=l1_agent.user, body="@pablo @is1 mira")
    n_actions.set_preferences(
        user=l1_colleague.user, choices={k: Delivery.IN_APP for k in Kind.values}
    )
    Notification.objects.all().delete()
    batch = list(
        TicketEvent.objects.filter(kind__in=[EventKind.ESCALATED, EventKind.NOTE_ADDED]).order_by(
            "pk"
        )
    )
    for agent in Agent.objects.filter(teams=teams["Information Systems"]):
        n_actions.set_preferences(
            user=agent.user, choices={k: Delivery.IN_APP for k in Kind.values}
        )
    # tickets, note bodies, candidates, their teams, participants, team names, preferences, the
    # insert (in its savepoint): the same for 5 tickets as for 1 (no mail: in-app chosen).
    with django_assert_max_num_queries(10):
        made = notify(batch)
    # Four IS agents escalated to, is1 mentioned; pablo no longer sees a Level 2 ticket.
    assert len(made) == 5 * 4 + 5


def test_a_batch_without_anything_to_tell_costs_no_query(
    django_assert_num_queries, ticket, l1_agent
):
    event = ticket.events.get(kind=EventKind.CREATED)
    with django_assert_num_queries(0):
        assert notify([event]) == []


def test_a_batch_run_again_writes_nothing_twice(committed, ticket, l1_agent, l1_colleague):
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=l1_colleague)
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    notify([event])
    assert Notification.objects.count() == 1


def test_the_escalation_mail_reaches_the_team_once(
    committed, ticket, l1_agent, l2_is_agent, django_capture_on_commit_callbacks
):
    with committed():
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="ERP", handover="Probado")
    assert Outbox.objects.filter(to=l2_is_agent.user.email).count() == 1
    assert not Outbox.objects.filter(to=l1_agent.user.email).exists()
    assert django_mail.outbox is not None


def test_a_notice_mail_keeps_an_awkward_name_as_written(committed, employee, l1_agent, teams):
    awkward = 'Ann O\'Brien & <Sons> "Ltd"'
    colleague = make_agent("ann", teams["Service Desk"])
    colleague.user.first_name, colleague.user.last_name = awkward, ""
    colleague.user.save()
    with committed():
        ticket = open_ticket(employee, subject='John\'s printer & <toner> "again"')
    NotificationPreference.objects.create(
        user=colleague.user, kind=Kind.ASSIGNED, delivery=Delivery.BOTH
    )
    with committed():
        assign_ticket(ticket=ticket, by=l1_agent.user, assignee=colleague)
    sent = Outbox.objects.get(to=colleague.user.email)
    assert awkward in sent.body
    assert 'John\'s printer & <toner> "again"' in sent.body
    assert not any(e in sent.body for e in ("&#x27;", "&amp;", "&lt;", "&quot;"))
