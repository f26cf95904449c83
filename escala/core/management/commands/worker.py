"""`escala worker`: runs background tasks from the database queue."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (tasks queued in the database)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, batch: bool, interval: float, **options) -> None:
        call_command("db_worker", batch=batch, interval=interval, reload=False)
