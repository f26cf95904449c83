"""Satisfaction surveys: one per resolution, a signed link for one ticket, a short change window."""

import pytest
from django.core import signing

from escala.core.errors import InvalidTransition, NotFound, ValidationFailed
from escala.surveys import actions
from escala.surveys.models import Survey
from escala.surveys.queries import pending_survey_for, survey_url
from escala.tickets.actions import (
    add_reply,
    escalate_ticket,
    reopen_ticket,
    resolve_ticket,
)
from tests.tickets.factories import open_ticket


@pytest.fixture
def resolve(django_capture_on_commit_callbacks):
    def do(ticket, by, summary="Hecho."):
        with django_capture_on_commit_callbacks(execute=True):
            return resolve_ticket(ticket=ticket, by=by, summary=summary)

    return do


@pytest.fixture
def resolved(frozen_clock, categories, employee, l1_agent, l2_network_agent, resolve):
    ticket = open_ticket(employee, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="VPN", handover="Probado")
    frozen_clock.advance(hours=1)
    return resolve(ticket, l2_network_agent.user)


def test_resolving_a_ticket_creates_its_survey_tied_to_who_and_where(
    resolved, l2_network_agent, teams, tiers
):
    survey = Survey.objects.get(ticket=resolved)
    assert survey.agent == l2_network_agent
    assert survey.team == teams["Networks"]
    assert survey.tier == tiers[2]
    assert set(survey.tiers_visited.all()) == {tiers[1], tiers[2]}
    assert survey.rating is None


def test_the_link_opens_the_survey_of_that_ticket_only(resolved):
    survey = Survey.objects.get(ticket=resolved)
    assert actions.survey_for_token(actions.token_for(survey)) == survey


def test_a_guessed_or_altered_token_is_not_found(resolved, employee, categories, l1_agent, resolve):
    survey = Survey.objects.get(ticket=resolved)
    other = resolve(open_ticket(employee, category=categories["password"]), l1_agent.user)
    other_survey = Survey.objects.get(ticket=other)
    token = actions.token_for(survey)
    payload, signature = token.rsplit(":", 1)
    # The other ticket's ids with this ticket's signature, a forged signature, plain guesses.
    forged = signing.dumps([other_survey.pk, other.pk, survey.nonce], salt="wrong", compress=False)
    swapped = actions.token_for(other_survey).rsplit(":", 1)[0] + ":" + signature
    for bad in [swapped, forged, f"{payload}:AAAA", "1", f"{survey.pk}"]:
        with pytest.raises(NotFound):
            actions.survey_for_token(bad)


def test_a_new_nonce_revokes_old_links(resolved):
    survey = Survey.objects.get(ticket=resolved)
    token = actions.token_for(survey)
    survey.nonce = "0" * 32
    survey.save()
    with pytest.raises(NotFound):
        actions.survey_for_token(token)


def test_one_answer_per_resolution_changeable_for_a_few_days(resolved, frozen_clock, settings):
    settings.ESCALA_SURVEY_CHANGE_DAYS = 3
    survey = Survey.objects.get(ticket=resolved)
    actions.answer_survey(survey=survey, rating=2, comment="Lento")
    frozen_clock.advance(days=2)
    actions.answer_survey(survey=survey, rating=4, comment="Al final bien")
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Al final bien")
    assert Survey.objects.filter(ticket=resolved).count() == 1
    frozen_clock.advance(days=1, seconds=1)
    with pytest.raises(InvalidTransition):
        actions.answer_survey(survey=survey, rating=1)
    survey.refresh_from_db()
    assert survey.rating == 4


def test_an_unanswered_survey_expires(resolved, frozen_clock, settings):
    settings.ESCALA_SURVEY_OPEN_DAYS = 30
    survey = Survey.objects.get(ticket=resolved)
    assert pending_survey_for(resolved) == survey
    frozen_clock.advance(days=31)
    assert pending_survey_for(resolved) is None
    with pytest.raises(InvalidTransition):
        actions.answer_survey(survey=survey, rating=5)


@pytest.mark.parametrize("rating", [0, 6, "", "five", None, "3.5"])
def test_a_rating_outside_1_to_5_is_refused_on_its_field(resolved, rating):
    survey = Survey.objects.get(ticket=resolved)
    with pytest.raises(ValidationFailed) as refused:
        actions.answer_survey(survey=survey, rating=rating)
    assert refused.value.field == "rating"
    survey.refresh_from_db()
    assert survey.rating is None


def test_a_reopened_and_resolved_again_ticket_asks_again(
    resolved, employee, l2_network_agent, frozen_clock, resolve
):
    first = Survey.objects.get(ticket=resolved)
    actions.answer_survey(survey=first, rating=2)
    assert pending_survey_for(resolved) is None
    reopen_ticket(ticket=resolved, by=employee.user, reason="Vuelve a fallar")
    add_reply(ticket=resolved, by=l2_network_agent.user, body="Miro")
    frozen_clock.advance(hours=2)
    resolved = resolve(resolved, l2_network_agent.user, "Otra vez")
    second = pending_survey_for(resolved)
    assert second is not None
    assert second != first
    assert Survey.objects.filter(ticket=resolved).count() == 2


def test_the_page_works_without_signing_in_and_records_the_answer(client, resolved):
    survey = Survey.objects.get(ticket=resolved)
    url = survey_url(survey)
    page = client.get(url)
    assert page.status_code == 200
    assert resolved.subject in page.content.decode()
    saved = client.post(url, {"rating": "5", "comment": "¡Gracias!"})
    assert saved.status_code == 200
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (5, "¡Gracias!")


def test_the_page_speaks_the_requesters_language_or_the_chosen_one(client, resolved, settings):
    url = survey_url(Survey.objects.get(ticket=resolved))
    assert "¿Qué tal lo hicimos?" in client.get(url).content.decode()  # Marta reads Spanish
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "How did we do?" in client.get(url).content.decode()


def test_a_bad_rating_on_the_page_is_shown_next_to_the_field(client, resolved):
    url = survey_url(Survey.objects.get(ticket=resolved))
    page = client.post(url, {"rating": "9"})
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert "1" in page.content.decode()


def test_a_broken_link_shows_a_clear_page_not_an_error(client):
    page = client.get("/survey/not-a-token/")
    assert page.status_code == 404


def test_no_survey_for_a_ticket_that_is_not_resolved(categories, employee):
    assert pending_survey_for(open_ticket(employee, category=categories["password"])) is None


def test_creating_the_survey_twice_for_one_resolution_keeps_one(resolved):
    survey = Survey.objects.get(ticket=resolved)
    assert actions.create_survey(resolution=survey.resolution) == survey
    assert Survey.objects.filter(ticket=resolved).count() == 1
