"""`escala demo_scale --tickets N`: grow a demo database to N tickets by cloning its tickets
set-wise in PostgreSQL (escala/demo/scale.py): a million tickets in minutes, for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from escala.demo.scale import scale_to
from escala.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Grow the demo to N tickets by cloning the existing ones with their history, clocks, "
        "facts and search rows (PostgreSQL, superuser connection; no traffic while it runs)."
    )

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--tickets", type=int, required=True, help="Tickets wanted in all.")
        parser.add_argument(
            "--jitter-hours",
            type=float,
            default=3.0,
            help="Each clone moves back in time by a random amount up to this (default 3).",
        )
        parser.add_argument("--seed", type=float, default=0.2026, help="Between -1 and 1.")

    def handle(self, *args, tickets: int, jitter_hours: float, seed: float, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("demo_scale needs PostgreSQL (set DATABASE_URL).")
        if not Ticket.objects.exists():
            raise CommandError("No tickets to clone: run `escala demo --tickets N` first.")
        if jitter_hours < 0 or not -1 <= seed <= 1:
            raise CommandError("--jitter-hours must be 0 or more and --seed between -1 and 1.")
        started = time.monotonic()

        def progress(step: str) -> None:
            self.stderr.write(f"{time.monotonic() - started:7.1f} s  {step}")

        added = scale_to(tickets, jitter_hours=jitter_hours, seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{added:,} tickets added in {time.monotonic() - started:.1f} s "
                f"({Ticket.objects.count():,} in all)."
            )
        )
