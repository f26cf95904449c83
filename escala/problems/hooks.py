"""What each problem and major-incident event tells webhook subscribers (escala.webhooks)."""

from typing import Any

from escala.webhooks.actions import notify_about
from escala.webhooks.choices import WebhookEvent

from .choices import MajorIncidentEventKind, ProblemEventKind
from .models import MajorIncident, MajorIncidentEvent, Problem, ProblemEvent

PROBLEM_EVENTS = {
    ProblemEventKind.CREATED: WebhookEvent.PROBLEM_OPENED,
    ProblemEventKind.WORKAROUND: WebhookEvent.PROBLEM_KNOWN_ERROR,
}
MAJOR_EVENTS = {
    MajorIncidentEventKind.DECLARED: WebhookEvent.MAJOR_DECLARED,
    MajorIncidentEventKind.UPDATE: WebhookEvent.MAJOR_UPDATED,
    MajorIncidentEventKind.RESOLVED: WebhookEvent.MAJOR_RESOLVED,
}


def _change(event: Any) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "actor": event.actor_name,
        "at": event.created_at,
        "value": event.new_value,
        "ticket_id": event.ticket_id,
    }


def problem_event(problem: Problem, event: ProblemEvent) -> None:
    name = PROBLEM_EVENTS.get(event.kind, WebhookEvent.PROBLEM_CHANGED)
    subject = {
        "problem": {
            "id": problem.pk,
            "reference": problem.reference,
            "title": problem.title,
            "status": problem.status,
            "owner_tier_id": problem.owner_tier_id,
            "article_id": problem.article_id,
        }
    }
    notify_about(name=name, subject=subject, data=_change(event))


def major_event(incident: MajorIncident, event: MajorIncidentEvent) -> None:
    name = MAJOR_EVENTS.get(event.kind, WebhookEvent.MAJOR_CHANGED)
    subject = {
        "major_incident": {
            "id": incident.pk,
            "reference": incident.reference,
            "title_es": incident.title_es,
            "title_en": incident.title_en,
            "status": incident.status,
        }
    }
    notify_about(name=name, subject=subject, data={**_change(event), **event.data})
