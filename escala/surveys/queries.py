"""Reads other parts of Escala use: the portal and the resolution mail link to the survey."""

from django.conf import settings
from django.urls import reverse

from escala.core import clock
from escala.tickets.choices import DONE_STATUSES
from escala.tickets.models import Ticket

from .actions import open_until, token_for
from .models import Survey


def pending_survey_for(ticket: Ticket) -> Survey | None:
    """The unanswered survey of the ticket's standing resolution, while it can be answered."""
    if ticket.status not in DONE_STATUSES:
        return None
    latest = Survey.objects.filter(ticket=ticket).order_by("-resolved_at", "-id").first()
    if latest is None or latest.is_answered or clock.now() > open_until(latest):
        return None
    return latest


def survey_url(survey: Survey) -> str:
    """The path of the survey page (prefix it with the site's address in mails)."""
    return reverse("surveys:answer", kwargs={"token": token_for(survey)})


def survey_link_lifetime_days() -> int:
    return settings.ESCALA_SURVEY_OPEN_DAYS
