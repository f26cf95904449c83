"""Demo only: a survey for every resolution of the demo tickets, most of them answered, so the
dashboard has satisfaction figures to show. Never run it on real data."""

import random

from django.core.management.base import BaseCommand

from escala.core import clock
from escala.surveys.actions import create_survey
from escala.surveys.models import Survey
from escala.tickets.choices import EventKind
from escala.tickets.models import TicketEvent


class Command(BaseCommand):
    help = "Demo data: surveys for resolved demo tickets, with made-up answers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not security
        resolutions = (
            TicketEvent.objects.filter(kind=EventKind.RESOLVED, survey__isnull=True)
            .select_related("ticket")
            .order_by("-created_at")[: options["limit"]]
        )
        made = 0
        for event in resolutions:
            survey = create_survey(resolution=event)
            made += 1
            if rng.random() < 0.6:
                level = survey.tier.level
                weights = [1, 1, 3, 8, 10] if level == 1 else [2, 2, 4, 8, 6]
                survey.rating = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
                survey.answered_at = min(clock.now(), survey.resolved_at)
                survey.save(update_fields=["rating", "answered_at"])
        answered = Survey.objects.filter(rating__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(f"{made} surveys created; {answered} answered."))
