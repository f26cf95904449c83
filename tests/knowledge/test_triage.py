"""Triage suggestions learnt from the resolved history, with a confidence, applied to a new
ticket only above the configured confidence."""

from pathlib import Path

import pytest

from escala.knowledge.models import TriageSuggestion
from escala.knowledge.triage import Example, TriageModel, current_model
from escala.knowledge.triage.data import csv_examples, history_examples
from escala.knowledge.triage.service import suggest_triage, train_from_history
from escala.tickets.actions import resolve_ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

HISTORY = [
    ("Olvidé mi contraseña", "No recuerdo la clave", "password-reset", "1", "Service Desk"),
    ("Forgot my password", "I can't remember my password", "password-reset", "1", "Service Desk"),
    ("Contraseña caducada", "Me pide una contraseña nueva", "password-reset", "1", "Service Desk"),
    ("Password expired", "It asks me for a new password", "password-reset", "1", "Service Desk"),
    ("Consultas lentas en la base de datos", "Tardan minutos", "database", "2", "Databases"),
    ("Database queries are slow", "Reports take minutes", "database", "2", "Databases"),
    ("Base de datos bloqueada", "Tabla de pedidos bloqueada", "database", "2", "Databases"),
    ("Database deadlock", "Deadlocks on the orders table", "database", "2", "Databases"),
    ("La fibra se corta", "La línea se cae por las tardes", "connectivity", "1", "Service Desk"),
    ("Fibre line drops", "The line drops every evening", "connectivity", "1", "Service Desk"),
    ("Sin internet", "El router tiene la luz roja", "connectivity", "1", "Service Desk"),
    ("No internet", "The router light is red", "connectivity", "1", "Service Desk"),
]  # fmt: skip


def examples():
    return [Example(f"{s}\n{b}", c, t, team) for s, b, c, t, team in HISTORY]


@pytest.fixture
def model_path(settings, tmp_path) -> Path:
    settings.ESCALA_TRIAGE_MODEL_PATH = tmp_path / "triage" / "model.joblib"
    return settings.ESCALA_TRIAGE_MODEL_PATH


def test_the_model_suggests_category_level_and_team_in_either_language():
    model = TriageModel.train(examples())
    es, en = model.predict(
        ["Contraseña olvidada\nNo puedo entrar", "Slow database\nThe billing queries are slow"]
    )
    assert (es["category"].label, es["tier"].label, es["team"].label) == (
        "password-reset",
        "1",
        "Service Desk",
    )
    assert (en["category"].label, en["tier"].label) == ("database", "2")
    assert 0 < en["category"].confidence <= 1


def test_too_little_history_is_refused():
    with pytest.raises(ValueError, match="At least"):
        TriageModel.train(examples()[:3])


def test_a_saved_model_is_loaded_back(model_path):
    TriageModel.train(examples()).save(model_path)
    loaded = current_model()
    assert loaded is not None
    assert loaded.predict(["No internet, router red"])[0]["category"].label == "connectivity"


def test_no_model_means_no_suggestion(model_path, employee):
    assert current_model() is None
    assert suggest_triage(ticket=open_ticket(employee)) is None


def test_history_is_read_from_resolved_tickets(employee, l1_agent, categories):
    done = open_ticket(employee, category=categories["password"], subject="Clave", body="Olvidé")
    resolve_ticket(ticket=done, by=l1_agent.user, summary="Restablecida")
    open_ticket(employee, category=categories["erp"], subject="Abierto", body="Sin resolver")
    [example] = history_examples()
    assert (example.text, example.category, example.tier, example.team) == (
        "Clave\nOlvidé",
        "password-reset",
        "1",
        "Service Desk",
    )


def test_training_from_history_writes_the_model_file(model_path, employee, l1_agent, categories):
    for n in range(12):
        cat = categories["password"] if n % 2 else categories["connectivity"]
        t = open_ticket(employee, category=cat, subject=f"{cat.code} {n}", body=cat.name_es)
        resolve_ticket(ticket=t, by=l1_agent.user, summary="Hecho")
    model = train_from_history()
    assert model.examples == 12
    assert model_path.exists()


def test_a_suggestion_is_stored_and_not_applied_below_the_threshold(
    model_path, settings, employee, categories
):
    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.99
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(employee, subject="Olvidé mi contraseña", body="No recuerdo la clave")
    suggestion = suggest_triage(ticket=ticket)
    assert suggestion.category == categories["password"]
    assert suggestion.category_confidence < 0.99
    assert not suggestion.applied
    ticket.refresh_from_db()
    assert ticket.category is None


def test_a_confident_suggestion_is_applied_through_the_ticket_action(
    model_path, settings, employee, categories
):
    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.2
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(employee, subject="Olvidé mi contraseña", body="No recuerdo la clave")
    suggestion = suggest_triage(ticket=ticket)
    assert suggestion.applied
    ticket.refresh_from_db()
    assert ticket.category == categories["password"]
    assert ticket.events.filter(kind="field_changed", field="category").exists()


def test_a_category_chosen_by_a_person_is_never_overridden(
    model_path, settings, employee, categories
):
    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.01
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(
        employee, category=categories["erp"], subject="Olvidé mi contraseña", body="La clave"
    )
    assert not suggest_triage(ticket=ticket).applied
    ticket.refresh_from_db()
    assert ticket.category == categories["erp"]


def test_a_new_ticket_is_queued_for_triage_once_a_model_exists(
    model_path, employee, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    TriageModel.train(examples()).save(model_path)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, subject="Sin internet", body="Router en rojo")
    # Other apps queue their own work on a new ticket (mail notifications): look for triage's.
    queued = DBTaskResult.objects.get(task_path__endswith="triage_ticket")
    assert queued.args_kwargs["args"] == [ticket.pk]
    assert not TriageSuggestion.objects.exists()  # the worker does it, not the request


def test_the_committed_evaluation_set_is_large_varied_and_labelled_with_demo_categories():
    from escala.demo.content import CATEGORIES

    rows = csv_examples(Path(__file__).parents[2] / "data" / "triage" / "requests.csv")
    codes = {c[0] for c in CATEGORIES}
    assert len(rows) >= 200
    assert {r.category for r in rows} == codes
    assert len({r.text for r in rows}) == len(rows)


def test_a_confident_tier_and_team_escalate_an_untouched_ticket_with_an_automatic_reason(
    model_path, settings, employee, categories, teams
):
    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.2
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(employee, subject="Base de datos bloqueada", body="Deadlock en pedidos")
    assert ticket.tier.level == 1
    suggestion = suggest_triage(ticket=ticket)
    assert suggestion.applied
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.team) == (2, teams["Databases"])
    assert ticket.category == categories["database"]
    escalation = ticket.events.get(kind="escalated")
    assert escalation.actor_id is None
    assert escalation.reason.startswith("Triage suggestion: ")


def test_tier_and_team_are_left_alone_once_someone_works_on_the_ticket(
    model_path, settings, employee, l1_agent, categories
):
    from escala.tickets.actions import claim_ticket

    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.2
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(employee, subject="Base de datos bloqueada", body="Deadlock en pedidos")
    claim_ticket(ticket=ticket, by=l1_agent.user)
    suggest_triage(ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.tier.level == 1
    assert not ticket.events.filter(kind="escalated").exists()


def test_triage_never_sends_a_ticket_down_a_level(
    model_path, settings, employee, teams, l2_db_specialist
):
    from escala.tickets.actions import escalate_ticket

    settings.ESCALA_TRIAGE_AUTO_APPLY = 0.2
    TriageModel.train(examples()).save(model_path)
    ticket = open_ticket(employee, subject="Olvidé mi contraseña", body="No recuerdo la clave")
    escalate_ticket(ticket=ticket, by=None, reason="r", handover="h", to_team=teams["Databases"])
    suggest_triage(ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.tier.level == 2
    assert ticket.team == teams["Databases"]
