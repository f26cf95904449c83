"""The queue sorted by "Due" (and its SLA filters) at 100,000 tickets on PostgreSQL: the plan
and time of the page's query, as the view builds it, for a supervisor and a Level 1 agent.

Builds a throwaway database: `escala demo` for the organization and a few hundred tickets, then
copies them in SQL up to --tickets (15 % open, each open one due somewhere between 12 hours ago
and 36 hours ahead, as `Ticket.sla_due_at` would say), ANALYZE, and asks the console's queue
page for each URL through Django's test client. Prints, per URL, the server time of the whole
page and the page query's EXPLAIN (ANALYZE, BUFFERS). Figures only: it never passes or fails.

    .venv/bin/python bench/queue_due_explain.py --tickets 100000
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._pgdb import ESCALA, fresh_database  # noqa: E402

URLS = [
    "/desk/?queue=all&sort=due",
    "/desk/?queue=all&sort=due&due=breached",
    "/desk/?queue=all&due=hour",
    "/desk/?queue=teams&sort=due",
    "/desk/?queue=unassigned&sort=due",
]

COLUMNS = (
    "subject, requester_id, organization_id, channel, status, impact, urgency, priority,"
    " category_id, tier_id, team_id, assignee_id, vendor_id, vendor_case_number, parent_id,"
    " merged_into_id, created_at, updated_at, first_response_at, resolved_at, closed_at,"
    " resolution_summary, version, sla_due_at"
)


def fill(env: dict, tickets: int) -> None:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
        copies = max(0, -(-(tickets - have) // max(have, 1)))
        # Copies only feed the plan: no search rows, no events (triggers off for this session).
        conn.execute("SET session_replication_role = replica")
        # 15 % open (a hash of the copy, so every row draws its own), each due between 12 hours
        # ago and 36 hours ahead.
        conn.execute(
            f"INSERT INTO tickets_ticket ({COLUMNS})"  # noqa: S608 - constants
            f" SELECT {COLUMNS.replace('status,', 'x.status,').replace('sla_due_at', 'x.due')}"
            " FROM tickets_ticket t CROSS JOIN generate_series(1, %s) g"
            " CROSS JOIN LATERAL (SELECT"
            "   CASE WHEN (t.id * 7919 + g * 104729) %% 100 < 15 THEN 'open' ELSE 'closed' END"
            "     AS status,"
            "   CASE WHEN (t.id * 7919 + g * 104729) %% 100 < 15 THEN now()"
            "     + (((t.id * 31 + g * 17) %% 4800) / 100.0 - 12) * interval '1 hour' END AS due"
            " ) x",
            [copies],
        )
        conn.execute("ANALYZE")
        total = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
        due = conn.execute("SELECT count(*) FROM tickets_ticket WHERE sla_due_at IS NOT NULL")
        print(f"tickets: {total}, with a due instant: {due.fetchone()[0]}")


def measure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from escala.accounts.models import SignInPolicy
    from escala.people.models import Agent

    # The bench signs agents in without a second factor.
    SignInPolicy.objects.update_or_create(pk=1, defaults={"require_two_factor_for_staff": False})

    supervisor = Agent.objects.filter(is_supervisor=True).select_related("user").first()
    level1 = (
        Agent.objects.filter(is_supervisor=False, teams__tier__level=1)
        .select_related("user")
        .first()
    )
    for who, agent in (("supervisor", supervisor), ("level 1 agent", level1)):
        client = Client()
        client.force_login(agent.user)
        for url in URLS:
            client.get(url, secure=True)  # warm caches
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, secure=True)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                print(f"{url}: {response.status_code} {response.get('Location', '')}")
                continue
            page_sql = [
                q["sql"]
                for q in ctx.captured_queries
                if 'FROM "tickets_ticket"' in q["sql"] and "LIMIT 26" in q["sql"]
            ]
            print(f"\n== {who}: {url}  page {elapsed:.1f} ms, {len(ctx.captured_queries)} queries")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_sql[0])
                for (line,) in cursor.fetchall():
                    print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    if os.environ.get("BENCH_MEASURE_ONLY"):
        measure()
        return
    with fresh_database("escala_bench_queue_due") as env:
        subprocess.run([ESCALA, "demo", "--tickets", "300", "-v0"], env=env, check=True)
        fill(env, args.tickets)
        subprocess.run(
            [sys.executable, __file__], env=dict(env, BENCH_MEASURE_ONLY="1"), check=True
        )


if __name__ == "__main__":
    main()
