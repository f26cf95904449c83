"""Training on the history, and suggesting (and maybe applying) a triage for one ticket."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from escala.automation.actions import set_team
from escala.core import clock
from escala.core.inputs import parse_id
from escala.tickets.actions import escalate_ticket, update_ticket_fields
from escala.tickets.choices import Status
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
    """Store the model's suggestion for `ticket`, and apply each part whose confidence reaches
    ESCALA_TRIAGE_AUTO_APPLY (0 = never): the category when no one has chosen one; the tier
    (an escalation with an automatic reason, never down, never to a vendor) and the team while
    no one has started work on the ticket. Every change goes through the ticket actions, so it
    is in the history like a person's."""
    model = model or current_model()
    if model is None:
        return None
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.select_related("category", "tier").get(pk=pk)
    first = found.messages.order_by("created_at", "id").values_list("body", flat=True).first()
    [guess] = model.predict([ticket_text(found.subject, first or "")])
    category = Category.objects.filter(code=guess["category"].label, is_active=True).first()
    tier = SupportTier.objects.filter(level=_int(guess["tier"].label)).first()
    team = Team.objects.filter(name=guess["team"].label, is_active=True).first()
    threshold = float(settings.ESCALA_TRIAGE_AUTO_APPLY)
    confident = {
        part: threshold > 0 and guess[part].confidence >= threshold
        for part in ("category", "tier", "team")
    }
    with transaction.atomic():
        applied = _apply(found, category, tier, team, confident, guess["tier"].confidence)
        suggestion, _created = TriageSuggestion.objects.update_or_create(
            ticket=found,
            defaults={
                "category": category,
                "category_confidence": guess["category"].confidence,
                "tier": tier,
                "tier_confidence": guess["tier"].confidence,
                "team": team,
                "team_confidence": guess["team"].confidence,
                "applied": bool(applied),
                "model_trained_at": model.trained_at[:40],
                "created_at": clock.now(),
            },
        )
    return suggestion


def _apply(ticket: Ticket, category, tier, team, confident, tier_confidence) -> list[str]:  # noqa: ANN001
    """The parts of the suggestion applied to `ticket`, in order: category, tier, team."""
    applied: list[str] = []
    if not ticket.is_open:
        return applied
    if category is not None and ticket.category_id is None and confident["category"]:
        ticket = update_ticket_fields(ticket=ticket, by=None, category=category)
        applied.append("category")
    if ticket.status != Status.NEW:  # someone is working on it: their routing stands
        return applied
    team_fits = team is not None and confident["team"]
    if (
        tier is not None
        and confident["tier"]
        and not tier.is_external
        and tier.level > ticket.tier.level
    ):
        reason = _("Triage suggestion: %(tier)s (confidence %(confidence)s%%).") % {
            "tier": tier,
            "confidence": round(100 * tier_confidence),
        }
        escalate_ticket(
            ticket=ticket,
            by=None,
            to_tier=tier,
            to_team=team if team_fits and team.tier_id == tier.pk else None,
            reason=reason,
            handover=_("Escalated automatically by triage; no one has worked on it yet."),
        )
        applied.append("tier")
    elif team_fits and team.tier_id == ticket.tier_id and team.pk != ticket.team_id:
        set_team(ticket=ticket, by=None, team=team)
        applied.append("team")
    return applied


def _int(value: str) -> int | None:
    return parse_id(value, minimum=0)
