"""How long does the SLA sweep take over N tickets? Prints figures; never passes or fails.

    createdb escala_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench
    escala migrate && escala demo --tickets 200000
    .venv/bin/python bench/sla_sweep.py            # builds the clocks first if there are none

It reports: the one-off rebuild of every ticket's clocks from history (if needed); the sweep as it
runs every minute when nothing is due (its cost over all N tickets); and the cost per ticket when
the sweep acts (warns or breaches, with the escalation, notifications and events that follow),
on a sample of the clocks overdue now.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Min, Q  # noqa: E402

from escala.core import clock  # noqa: E402
from escala.sla.clocks import Context, rebuild  # noqa: E402
from escala.sla.defaults import install_defaults  # noqa: E402
from escala.sla.models import TicketClock  # noqa: E402
from escala.sla.sweep import sweep  # noqa: E402
from escala.tickets.choices import OPEN_STATUSES  # noqa: E402
from escala.tickets.models import Ticket  # noqa: E402


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN201, ANN002, ANN003
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=200, help="Tickets to act on in step 2.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures are not comparable", file=sys.stderr)
    tickets = Ticket.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"tickets: {tickets}  open: {Ticket.objects.filter(status__in=OPEN_STATUSES).count()}")
    install_defaults()
    if not TicketClock.objects.exists():
        ctx = Context.load()
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
        started = time.perf_counter()
        for i in range(0, len(ids), 2000):
            rebuild(ids[i : i + 2000], ctx=ctx)
        spent = time.perf_counter() - started
        print(
            f"rebuild of all clocks from history: {spent:.1f} s ({tickets / spent:.0f} tickets/s)"
        )
    running = TicketClock.objects.filter(stopped_at__isnull=True)
    print(f"clocks: {TicketClock.objects.count()}  running: {running.count()}")

    # 1. The per-minute cost when nothing is due: the sweep run at an instant just before the
    #    earliest pending warning or due time, so it finds nothing, over all N tickets' clocks.
    pending = TicketClock.objects.filter(
        Q(breached=False, due_at__isnull=False) | Q(warned=False, warn_at__isnull=False)
    )
    first = min(
        filter(None, pending.aggregate(a=Min("due_at"), b=Min("warn_at")).values()),
        default=clock.now(),
    )
    quiet = first - timedelta(seconds=1)
    steady = []
    for _ in range(7):
        result, spent = timed(sweep, quiet)
        steady.append(spent)
    median_ms = statistics.median(steady) * 1000
    print(
        f"sweep with nothing due, 7 runs: median {median_ms:.1f} ms, "
        f"max {max(steady) * 1000:.1f} ms (tickets checked: {result.checked})"
    )
    due = TicketClock.objects.filter(breached=False, due_at__isnull=False, due_at__lte=clock.now())
    print("plan of the due query:")
    query = due.order_by("due_at").values_list("ticket_id", flat=True)[:5000]
    print("   ", query.explain().replace("\n", "\n    "))

    # 2. The cost of acting: a sweep that warns/breaches a sample of the clocks now overdue.
    print(f"clocks overdue now: {due.count()}; sweeping a sample of {args.sample} tickets")
    result, spent = timed(sweep, limit=args.sample)
    per = spent / result.checked * 1000 if result.checked else 0
    print(
        f"sweep acting on {result.checked} tickets: {spent:.2f} s ({per:.0f} ms per ticket), "
        f"{result.warned} warned, {result.breached} breached, {result.failed} failed"
    )


if __name__ == "__main__":
    main()
