"""Reads other parts of Escala use: the portal and the resolution mail link to the survey."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, QuerySet
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


@dataclass(frozen=True)
class Satisfaction:
    """A requester's answers, as the console shows them beside their ticket."""

    answered: int
    average: float | None
    latest: list[Survey]  # newest first, with their ticket


def satisfaction_of(tickets: QuerySet[Ticket], *, latest: int = 5) -> Satisfaction:
    """The answered surveys of `tickets` (one requester's, as the reader may see them): how
    many, their average rating and the latest few, in two queries."""
    answered = Survey.objects.filter(ticket__in=tickets.values("pk"), rating__isnull=False)
    totals = answered.aggregate(n=Count("pk"), avg=Avg("rating"))
    rows = list(
        answered.select_related("ticket")
        .only("rating", "comment", "answered_at", "ticket__id", "ticket__subject")
        .order_by("-answered_at", "-pk")[:latest]
    )
    average = round(float(totals["avg"]), 1) if totals["avg"] is not None else None
    return Satisfaction(answered=totals["n"], average=average, latest=rows)
