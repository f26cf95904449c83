"""`escala demo --tickets N`: a realistic demo organization with N tickets and their history."""

import random
import sys
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from escala.core import clock
from escala.demo import history
from escala.demo.bulk import BulkWriter
from escala.demo.extras import build_extras
from escala.demo.logins import describe_logins
from escala.demo.organization import build_organization
from escala.demo.problems import build_problems
from escala.tickets.models import Ticket


class Command(BaseCommand):
    help = "Build the demo organization (idempotent) and add N tickets with a plausible history."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--tickets", type=int, default=500, help="How many tickets to add.")
        parser.add_argument(
            "--requesters",
            type=int,
            default=None,
            help="How many requesters (default: grows with the tickets).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if tickets already exist (what `make run` uses).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--days", type=int, default=365, help="Spread ticket creation over this many past days."
        )
        parser.add_argument("--batch", type=int, default=5000)

    def handle(
        self,
        *args,
        tickets: int,
        requesters: int | None,
        if_empty: bool,
        seed: int,
        days: int,
        batch: int,
        **options,
    ) -> None:
        if tickets < 0:
            raise CommandError("--tickets must be 0 or more.")
        if if_empty and Ticket.objects.exists():
            self.stdout.write("Demo data already loaded.")
            return
        started = time.monotonic()
        org = build_organization(requesters=requesters or max(150, min(tickets // 40, 20_000)))
        rng = random.Random(seed)
        now = clock.now()
        span = timedelta(days=days).total_seconds()
        # Creation times in order, so ids and created_at grow together as in real life.
        starts = sorted(now - timedelta(seconds=rng.random() * span) for _ in range(tickets))
        writer = BulkWriter()
        history.register(writer)
        done = 0
        while done < tickets:
            chunk = starts[done : done + batch]
            with transaction.atomic():
                for start in chunk:
                    story = history.TicketStory(writer, org, rng, start, now)
                    story.play(writer.reserve(Ticket))
                writer.flush()
            done += len(chunk)
            self._progress(done, tickets, started)
        writer.finish()
        if tickets:
            sys.stderr.write("\n")
        extras = build_extras(org, rng, now, tickets=tickets)
        extras |= build_problems()
        _analyze()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {tickets} tickets added in {elapsed:.1f} s "
                f"({Ticket.objects.count()} in all); {extras['articles']} published articles, "
                f"{extras['deflections']} deflected requests, {extras['surveys']} surveys, "
                f"{extras['problems']} problems, {extras['major_incidents']} major incidents."
            )
        )
        self.stdout.write(describe_logins())

    def _progress(self, done: int, total: int, started: float) -> None:
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed else 0
        eta = (total - done) / rate if rate else 0
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(
            f"\r[{bar}] {done}/{total} tickets {100 * done // max(total, 1)}% "
            f"{rate:,.0f}/s eta {eta:,.0f}s "
        )
        sys.stderr.flush()


def _analyze() -> None:
    """The planner's statistics for what was just written in bulk. A site's autovacuum would
    gather them in a while (or never, where it is off): plans read without them are not the
    plans a running site gets, and the benchmarks run right after this."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
