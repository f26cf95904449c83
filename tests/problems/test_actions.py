"""Problems: Level 3 investigates, Level 1 links and answers with the known error's workaround."""

import pytest

from escala.core.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    StaleObject,
    ValidationFailed,
)
from escala.knowledge.choices import ArticleState, Visibility
from escala.knowledge.permissions import articles_visible_to
from escala.problems import actions
from escala.problems.choices import ProblemEventKind, ProblemStatus
from escala.problems.models import ProblemTicket
from escala.problems.queries import known_errors_for, problem_queue
from escala.tickets.choices import AuthorKind, MessageKind
from escala.tickets.permissions import access_ticket, can_see
from tests.tickets.factories import open_ticket

VPN = "La VPN no conecta desde casa"
VPN_BODY = "Desde esta mañana la VPN da error de autenticación al conectar desde casa."


@pytest.fixture
def vpn_tickets(employee, customer, categories):
    return [
        open_ticket(employee, subject=VPN, body=VPN_BODY, category=categories["password"]),
        open_ticket(employee, subject="VPN caída", body="La VPN da error al conectar desde casa."),
    ]


def test_a_new_problem_belongs_to_level_3_and_records_its_opening(l1_agent, tiers, vpn_tickets):
    problem = actions.open_problem(by=l1_agent.user, title="  VPN  caída ", tickets=vpn_tickets)
    assert problem.title == "VPN caída"
    assert problem.owner_tier == tiers[3]
    assert problem.status == ProblemStatus.INVESTIGATING
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds == [ProblemEventKind.CREATED, *[ProblemEventKind.TICKET_LINKED] * 2]
    assert problem.links.count() == 2


def test_a_requester_cannot_open_a_problem(employee):
    with pytest.raises(Forbidden):
        actions.open_problem(by=employee.user, title="x")


def test_an_empty_title_is_refused_at_its_field(l1_agent):
    with pytest.raises(ValidationFailed) as refused:
        actions.open_problem(by=l1_agent.user, title="  ")
    assert refused.value.field == "title"


def test_a_ticket_belongs_to_one_problem_and_a_bad_link_changes_nothing(
    l1_agent, l3_engineer, vpn_tickets
):
    first = actions.open_problem(by=l1_agent.user, title="VPN", tickets=vpn_tickets[:1])
    second = actions.open_problem(by=l1_agent.user, title="Otra")
    with pytest.raises(ValidationFailed) as refused:
        actions.link_tickets(problem=second, tickets=vpn_tickets, by=l1_agent.user)
    assert first.reference in refused.value.message
    assert second.links.count() == 0  # all or nothing: the free ticket was not linked either
    actions.link_tickets(problem=first, tickets=vpn_tickets, by=l1_agent.user)
    assert first.links.count() == 2  # linking the already-linked ticket again changes nothing


def test_an_agent_cannot_link_a_ticket_they_may_not_work(l2_db_specialist, employee, l1_agent):
    ticket = open_ticket(employee)  # a Level 1 ticket of the Service Desk
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(DomainError) as refused:
        actions.link_tickets(problem=problem, tickets=[ticket], by=l2_db_specialist.user)
    assert isinstance(refused.value, NotFound | Forbidden)
    assert not ProblemTicket.objects.exists()


def test_only_the_owners_record_the_root_cause(l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(Forbidden):
        actions.record_root_cause(problem=problem, by=l1_agent.user, root_cause="cert")
    done = actions.record_root_cause(
        problem=problem, by=l3_engineer.user, root_cause="Certificado del concentrador caducado"
    )
    assert done.status == ProblemStatus.ROOT_CAUSE_KNOWN
    assert done.root_cause_at is not None


def test_a_stale_form_is_refused(l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    actions.record_root_cause(problem=problem, by=l3_engineer.user, root_cause="uno")
    with pytest.raises(StaleObject):
        actions.record_root_cause(
            problem=problem, by=l3_engineer.user, root_cause="dos", expected_version=1
        )


def publish(problem, by, **kwargs):
    return actions.publish_workaround(
        problem=problem,
        by=by,
        workaround_es="Conéctese con el perfil «VPN-respaldo» mientras renovamos el certificado.",
        workaround_en="Connect with the “VPN-backup” profile while we renew the certificate.",
        **kwargs,
    )


def test_publishing_a_workaround_makes_a_known_error_and_a_published_article(l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN caída")
    done = publish(problem, l3_engineer.user)
    assert done.status == ProblemStatus.KNOWN_ERROR
    assert done.known_error_at is not None
    article = done.article
    assert article.state == ArticleState.PUBLISHED
    assert article.visibility == Visibility.INTERNAL
    assert {t.language for t in article.translations.all()} == {"es", "en"}
    assert "VPN-respaldo" in article.translation("es").body
    assert articles_visible_to(l1_agent.user).filter(pk=article.pk).exists()


def test_publishing_again_updates_the_same_article(l1_agent, l3_engineer):
    problem = publish(actions.open_problem(by=l1_agent.user, title="VPN"), l3_engineer.user)
    again = actions.publish_workaround(
        problem=problem,
        by=l3_engineer.user,
        workaround_es="Nuevo paso",
        workaround_en="New step",
        public=True,
    )
    assert again.article_id == problem.article_id
    article = again.article
    article.refresh_from_db()
    assert article.visibility == Visibility.PUBLIC
    assert "Nuevo paso" in article.translation("es").body


def test_a_workaround_needs_both_languages(l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(ValidationFailed) as refused:
        actions.publish_workaround(
            problem=problem, by=l3_engineer.user, workaround_es="Paso", workaround_en=" "
        )
    assert refused.value.field == "workaround_en"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.INVESTIGATING
    assert problem.article is None


def test_the_status_machine_is_checked(l1_agent, l3_engineer):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(InvalidTransition):
        actions.change_problem_status(
            problem=problem, by=l3_engineer.user, to=ProblemStatus.KNOWN_ERROR
        )
    with pytest.raises(InvalidTransition):
        actions.change_problem_status(
            problem=problem, by=l3_engineer.user, to=ProblemStatus.ROOT_CAUSE_KNOWN
        )
    resolved = actions.change_problem_status(
        problem=problem, by=l3_engineer.user, to=ProblemStatus.RESOLVED
    )
    assert resolved.resolved_at is not None
    closed = actions.change_problem_status(
        problem=problem, by=l3_engineer.user, to=ProblemStatus.CLOSED
    )
    assert closed.closed_at is not None
    reopened = actions.change_problem_status(
        problem=problem, by=l3_engineer.user, to=ProblemStatus.INVESTIGATING, reason="volvió"
    )
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)


def test_level_1_answers_a_matching_ticket_with_the_workaround_in_one_step(
    l1_agent, l3_engineer, vpn_tickets, employee, categories
):
    problem = actions.open_problem(by=l1_agent.user, title=VPN, tickets=vpn_tickets)
    publish(problem, l3_engineer.user)
    new = open_ticket(
        employee, subject="VPN no conecta", body="Error de autenticación en la VPN desde casa"
    )
    matches = known_errors_for(l1_agent.user, new)
    assert [m.problem.pk for m in matches] == [problem.pk]
    answered = actions.answer_with_workaround(problem=problem, ticket=new, by=l1_agent.user)
    assert answered.problem_link.problem_id == problem.pk
    reply = answered.messages.filter(kind=MessageKind.REPLY, author_kind=AuthorKind.AGENT).get()
    assert "VPN-respaldo" in reply.body  # the employee's language is Spanish
    assert known_errors_for(l1_agent.user, new) == []  # linked now: nothing more to suggest


def test_an_unrelated_ticket_matches_no_known_error(l1_agent, l3_engineer, vpn_tickets, employee):
    problem = actions.open_problem(by=l1_agent.user, title=VPN, tickets=vpn_tickets)
    publish(problem, l3_engineer.user)
    other = open_ticket(employee, subject="Impresora atascada", body="El papel se atasca")
    assert known_errors_for(l1_agent.user, other) == []


def test_only_a_known_error_can_answer(l1_agent, vpn_tickets):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(InvalidTransition):
        actions.answer_with_workaround(problem=problem, ticket=vpn_tickets[0], by=l1_agent.user)
    assert not ProblemTicket.objects.exists()


def test_level_3_queue_shows_their_open_problems(l1_agent, l3_engineer, supervisor, teams):
    mine = actions.open_problem(by=l1_agent.user, title="VPN")
    networks = actions.open_problem(by=l1_agent.user, title="Switch", owner_team=teams["Networks"])
    assert list(problem_queue(l3_engineer.user, "mine")) == [mine]
    assert set(problem_queue(supervisor.user, "mine")) == {mine, networks}
    assert list(problem_queue(l1_agent.user, "known_errors")) == []


def test_unlinking_records_it(l1_agent, vpn_tickets):
    problem = actions.open_problem(by=l1_agent.user, title="VPN", tickets=vpn_tickets)
    actions.unlink_ticket(problem=problem, ticket=vpn_tickets[0], by=l1_agent.user)
    assert problem.links.count() == 1
    assert problem.events.filter(kind=ProblemEventKind.TICKET_UNLINKED).count() == 1


def test_assignment_is_limited_to_the_owners(l1_agent, l3_engineer, l1_colleague):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    with pytest.raises(ValidationFailed):
        actions.assign_problem(problem=problem, by=l3_engineer.user, assignee=l1_colleague)
    assert (
        actions.assign_problem(problem=problem, by=l3_engineer.user, assignee=l3_engineer).assignee
        == l3_engineer
    )


def test_the_problems_engineer_reads_its_incidents_at_every_level(
    l1_agent, l3_engineer, vpn_tickets
):
    first, second = vpn_tickets
    assert not can_see(l3_engineer.user, first)
    problem = actions.open_problem(by=l1_agent.user, title="VPN", tickets=[first])
    actions.assign_problem(problem=problem, by=l3_engineer.user, assignee=l3_engineer)
    assert access_ticket(l3_engineer.user, first.pk) == first
    assert not can_see(l3_engineer.user, second)
    actions.link_tickets(problem=problem, tickets=[second], by=l1_agent.user)
    assert can_see(l3_engineer.user, second)
    # Pulled in quietly: the tickets' own histories are not touched.
    assert not first.events.filter(kind="participant_added").exists()
