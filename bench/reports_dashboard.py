"""Prints how long the tier dashboard takes for a one-year period on the current database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench \
        .venv/bin/python bench/reports_dashboard.py [--days 365] [--repeat 5] [--rebuild]

Needs the report facts: `--rebuild` computes them first (set-wise SQL on PostgreSQL) if the
database has none. The SLA compliance figure reads the clocks into the facts: on a demo database
run `escala sla_rebuild --defaults` first, and `escala reports_rebuild` again if the facts were
computed before the clocks existed (or before the migration that added TicketFact.sla).

Renders the real page (view, template, charts) as a supervisor, without writing anything (no
session, no login), and prints one line per run plus the per-query split.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from escala.people.models import Agent  # noqa: E402
from escala.reports import facts_sql  # noqa: E402
from escala.reports.models import TicketFact  # noqa: E402
from escala.reports.views import dashboard_page  # noqa: E402
from escala.tickets.models import Ticket  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    tickets = Ticket.objects.count()
    if args.rebuild and not TicketFact.objects.exists():
        started = time.perf_counter()
        facts_sql.rebuild(progress=lambda n: print(f"  facts: {n} tickets", flush=True))
        print(f"facts rebuilt in {time.perf_counter() - started:.1f} s")
    facts = TicketFact.objects.count()
    supervisor = Agent.objects.filter(is_supervisor=True).select_related("user").first()
    if supervisor is None:
        sys.exit("No supervisor agent: load the demo first (escala demo --tickets N).")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"tickets: {tickets:,}  ticket facts: {facts:,}  period: last {args.days} days")

    factory = RequestFactory()
    timings = []
    for run in range(args.repeat):
        request = factory.get("/desk/reports/", {"period": str(args.days)})
        request.user = supervisor.user
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = dashboard_page(request)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"The dashboard answered {response.status_code}")
        timings.append(elapsed)
        print(f"run {run + 1}: {elapsed * 1000:.0f} ms, {len(queries)} queries")
        if run == args.repeat - 1:
            slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]
            for q in slow:
                print(f"   {float(q['time']) * 1000:6.0f} ms  {q['sql'][:110]}")
    print(
        f"dashboard render, {args.days} days over {tickets:,} tickets: "
        f"median {statistics.median(timings) * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
