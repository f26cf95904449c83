"""The console's problem pages: reached from the menu, each form answering bad input at its
field, and the ticket page's known-error box."""

import pytest
from django.urls import reverse

from escala.problems import actions
from escala.problems.choices import ProblemStatus
from escala.problems.models import Problem
from tests.tickets.factories import open_ticket

VPN = dict(subject="La VPN no conecta desde casa", body="Error de autenticación en la VPN")


def test_the_console_menu_links_the_problems(login, l1_agent):
    page = login(l1_agent.user).get(reverse("desk:queue"))
    assert reverse("problems:list").encode() in page.content


def test_a_requester_is_sent_away(login, employee):
    assert login(employee.user).get(reverse("problems:list")).status_code == 302


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "e.g. HD-000123, 124"), ("es", "p. ej. HD-000123, 124")]
)
def test_the_incidents_help_shows_the_sites_own_prefix(login, l1_agent, settings, lang, words):
    settings.ESCALA_TICKET_PREFIX = "HD"
    client = login(l1_agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = client.get(reverse("problems:new")).text
    assert words in page
    assert "ESC-000123" not in page


def test_opening_a_problem_from_a_ticket(login, l1_agent, employee):
    ticket = open_ticket(employee, **VPN)
    client = login(l1_agent.user)
    form = client.get(reverse("problems:new") + f"?ticket={ticket.pk}")
    assert ticket.reference.encode() in form.content  # prefilled
    done = client.post(
        reverse("problems:new"),
        {"title": "VPN caída", "description": "", "tickets": ticket.reference},
    )
    problem = Problem.objects.get()
    assert done.status_code == 302
    assert list(problem.links.values_list("ticket_id", flat=True)) == [ticket.pk]
    assert problem.title.encode() in client.get(reverse("problems:list") + "?queue=open").content


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"title": "", "tickets": ""}, b"This field is required"),
        ({"title": "x", "tickets": "ESC-abc"}, b"is not a ticket number"),
        ({"title": "x", "tickets": "999999"}, b"No ticket 999999"),
        ({"title": "x" * 300, "tickets": ""}, b"at most 200"),
    ],
)
def test_bad_input_comes_back_with_its_error(login, l1_agent, data, field_text):
    page = login(l1_agent.user).post(reverse("problems:new"), data)
    assert page.status_code == 400
    assert field_text in page.content
    assert not Problem.objects.exists()


def test_level_3_records_root_cause_and_publishes_the_workaround(login, l3_engineer, l1_agent):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    client = login(l3_engineer.user)
    url = reverse("problems:action", args=[problem.pk, "root_cause"])
    assert client.post(url, {"version": 1, "root_cause": "Certificado"}).status_code == 302
    url = reverse("problems:action", args=[problem.pk, "workaround"])
    refused = client.post(url, {"version": 2, "workaround_es": "Paso", "workaround_en": ""})
    assert refused.status_code == 400
    done = client.post(url, {"version": 2, "workaround_es": "Paso", "workaround_en": "Step"})
    assert done.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR
    page = client.get(reverse("problems:detail", args=[problem.pk]))
    assert b"Workaround published" in page.content


def test_a_stale_form_is_refused_not_applied(login, l3_engineer, l1_agent):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    actions.record_root_cause(problem=problem, by=l3_engineer.user, root_cause="uno")
    page = login(l3_engineer.user).post(
        reverse("problems:action", args=[problem.pk, "root_cause"]),
        {"version": 1, "root_cause": "dos"},
    )
    assert page.status_code == 400
    assert b"changed by someone else" in page.content
    problem.refresh_from_db()
    assert problem.root_cause == "uno"


def test_level_1_cannot_use_the_owners_forms(login, l1_agent):
    problem = actions.open_problem(by=l1_agent.user, title="VPN")
    page = login(l1_agent.user).post(
        reverse("problems:action", args=[problem.pk, "root_cause"]),
        {"version": 1, "root_cause": "yo"},
    )
    assert page.status_code == 400
    problem.refresh_from_db()
    assert problem.root_cause == ""


def test_the_ticket_page_offers_the_known_error_and_answers_in_one_step(
    login, l1_agent, l3_engineer, employee
):
    first = open_ticket(employee, **VPN)
    problem = actions.open_problem(by=l1_agent.user, title="VPN", tickets=[first])
    actions.publish_workaround(
        problem=problem,
        by=l3_engineer.user,
        workaround_es="Use el perfil B",
        workaround_en="Use profile B",
    )
    new = open_ticket(employee, subject="VPN no conecta", body="La VPN falla desde casa")
    client = login(l1_agent.user)
    ticket_page = client.get(reverse("desk:ticket", args=[new.pk]))
    assert reverse("problems:ticket_panel", args=[new.pk]).encode() in ticket_page.content
    panel = client.get(reverse("problems:ticket_panel", args=[new.pk]))
    assert b"Use profile B" in panel.content  # the agent reads it in their language
    client.post(reverse("problems:answer", args=[problem.pk, new.pk]), {"version": new.version})
    new.refresh_from_db()
    assert new.problem_link.problem_id == problem.pk
    assert new.messages.filter(body__contains="Use el perfil B").exists()  # the requester's


def test_another_agents_ticket_panel_is_not_found(login, l2_db_specialist, employee):
    ticket = open_ticket(employee, **VPN)
    page = login(l2_db_specialist.user).get(reverse("problems:ticket_panel", args=[ticket.pk]))
    assert page.status_code == 404
