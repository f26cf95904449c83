"""How long does the SLA sweep take over N tickets? Prints figures; never passes or fails.

    createdb escala_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench
    escala migrate && escala demo --tickets 200000
    .venv/bin/python bench/sla_sweep.py            # builds the clocks first if there are none

It reports: the one-off rebuild of every ticket's clocks from history (if needed), the first
"catch-up" sweep (clocks already overdue when the SLA is switched on), the steady-state sweep
that runs every minute, and a sweep one business day later when every running clock is due.
"""

import os
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

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

    result, spent = timed(sweep, limit=100_000)
    print(
        f"catch-up sweep: {spent:.2f} s, {result.checked} tickets checked, "
        f"{result.warned} warned, {result.breached} breached"
    )
    steady = []
    for _ in range(7):
        result, spent = timed(sweep)
        steady.append(spent)
    median_ms = statistics.median(steady) * 1000
    print(
        f"steady-state sweep (nothing new due), 7 runs: median {median_ms:.1f} ms, "
        f"max {max(steady) * 1000:.1f} ms, checked {result.checked}"
    )
    later = clock.now() + timedelta(days=3)
    clock.set_clock(lambda: later)
    try:
        result, spent = timed(sweep, limit=100_000)
    finally:
        clock.reset_clock()
    per = spent / result.checked * 1000 if result.checked else 0
    print(
        f"sweep 3 days later (every running clock due): {spent:.2f} s, {result.checked} tickets, "
        f"{result.breached} breached, {result.warned} warned, {per:.1f} ms per ticket"
    )


if __name__ == "__main__":
    main()
