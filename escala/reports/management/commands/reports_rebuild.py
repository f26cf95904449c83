"""Recompute the per-ticket report facts: after a bulk load (`escala demo`) or a restore.
Day to day they stay current by themselves (a listener refreshes a ticket after each event)."""

from django.core.management.base import BaseCommand
from django.db import connection

from escala.reports import facts, facts_sql


class Command(BaseCommand):
    help = "Recompute the facts the tier dashboard aggregates, for every ticket or the missing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--missing", action="store_true", help="Only tickets that have no facts yet."
        )
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, **options) -> None:
        def progress(done: int) -> None:
            if done % 100_000 < options["chunk"]:
                self.stdout.write(f"  {done} tickets")

        if connection.vendor == "postgresql" and not options["missing"]:
            # Set-wise in the database: the same facts, a million tickets in minutes.
            done = facts_sql.rebuild(chunk=max(options["chunk"], 50_000), progress=progress)
        else:
            done = facts.rebuild(
                chunk=options["chunk"], only_missing=options["missing"], progress=progress
            )
        self.stdout.write(self.style.SUCCESS(f"Report facts computed for {done} tickets."))
