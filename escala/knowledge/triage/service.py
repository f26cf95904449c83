"""Training on the history, and suggesting (and maybe applying) a triage for one ticket."""

from pathlib import Path

from django.conf import settings
from django.db import transaction

from escala.core import clock
from escala.tickets.actions import update_ticket_fields
from escala.tickets.models import Ticket
from escala.tiers.models import Category, SupportTier, Team

from ..models import TriageSuggestion
from . import TriageModel, current_model
from .data import history_examples, ticket_text


def train_from_history(*, limit: int | None = None, path: Path | None = None) -> TriageModel:
    model = TriageModel.train(history_examples(limit), trained_at=clock.now().isoformat())
    model.save(Path(path or settings.ESCALA_TRIAGE_MODEL_PATH))
    return model


def suggest_triage(*, ticket: Ticket | int, model: TriageModel | None = None):
    """Store the model's suggestion for `ticket`; apply its category when the confidence reaches
    ESCALA_TRIAGE_AUTO_APPLY (0 = never) and no one has chosen a category yet."""
    model = model or current_model()
    if model is None:
        return None
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.select_related("category").get(pk=pk)
    first = found.messages.order_by("created_at", "id").values_list("body", flat=True).first()
    [guess] = model.predict([ticket_text(found.subject, first or "")])
    category = Category.objects.filter(code=guess["category"].label, is_active=True).first()
    tier = SupportTier.objects.filter(level=_int(guess["tier"].label)).first()
    team = Team.objects.filter(name=guess["team"].label, is_active=True).first()
    threshold = float(settings.ESCALA_TRIAGE_AUTO_APPLY)
    apply = (
        threshold > 0
        and category is not None
        and found.category_id is None
        and found.is_open
        and guess["category"].confidence >= threshold
    )
    with transaction.atomic():
        if apply:
            update_ticket_fields(ticket=found, by=None, category=category)
        suggestion, _created = TriageSuggestion.objects.update_or_create(
            ticket=found,
            defaults={
                "category": category,
                "category_confidence": guess["category"].confidence,
                "tier": tier,
                "tier_confidence": guess["tier"].confidence,
                "team": team,
                "team_confidence": guess["team"].confidence,
                "applied": apply,
                "model_trained_at": model.trained_at[:40],
                "created_at": clock.now(),
            },
        )
    return suggestion


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
