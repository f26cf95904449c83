"""SQL time per page at scale: each page of bench/scale_p95.py is requested once to warm up,
then once more with its queries captured, and every SELECT is run again, in order and in one
transaction that is rolled back, under EXPLAIN (ANALYZE, BUFFERS). Prints, per URL, the queries
and the database's own execution (+ planning) time summed, the least of --repeat runs of each:
steadier than wall-clock p95 on a shared machine, since a busy CPU only adds. Figures only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_million_1m \\
        .venv/bin/python bench/scale_sql.py [--pages queue,ticket,api list,search] [--plans 20]

Pages: queue, ticket, api list, search (as scale_p95.py), and due (the Due sort and the SLA
filters) and counts (the queue tabs' open counts). `--plans MS` prints the plan of every query
slower than MS milliseconds.
"""

import argparse
import io
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
os.environ.setdefault("ESCALA_API_RATE_LIMIT", "0")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from bench.scale_p95 import QUEUE_URLS, SEARCH_WORDS  # noqa: E402
from escala.desk import queries  # noqa: E402
from escala.tickets.models import Ticket  # noqa: E402


def page_urls(page: str, lo: int, hi: int) -> list[str]:
    if page == "queue":
        return QUEUE_URLS
    if page == "ticket":
        rng = random.Random(7)
        return [f"/desk/tickets/{rng.randint(lo, hi)}/" for _ in range(4)]
    if page == "api list":
        return ["/api/v1/tickets?limit=25", "/api/v1/tickets?limit=25&status=open"]
    if page == "due":  # the Due sort and the SLA filters
        return [f"/desk/?queue={q}&sort=due{f}" for q in ("all", "unassigned")
                for f in ("", "&due=breached", "&due=hour")]  # fmt: skip
    if page == "counts":  # the tab counts of the queue's live poll (cached between changes)
        return ["open_counts"]
    return [f"/desk/kb/tickets/?q={word}" for word in SEARCH_WORDS]


def explain(sql: str, params, repeat: int) -> tuple[float, float, str]:
    """(execution ms, planning ms, the plan as text): the least of `repeat` runs, since a
    busy machine only ever adds to a time."""
    runs, plans = [], []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            runs.append(plan["Execution Time"])
            plans.append(plan["Planning Time"])
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    return min(runs), min(plans), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="queue,ticket,api list,search")
    parser.add_argument("--plans", type=float, default=None, help="print plans slower than MS")
    parser.add_argument("--user", default="sara")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (the least counts)")
    args = parser.parse_args()
    lo = Ticket.objects.order_by("id").values_list("id", flat=True).first() or 0
    hi = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    buf = io.StringIO()
    call_command("token", "create", "--user", args.user, "--name", "scale-sql", "--expires", "1d",
                 stdout=buf)  # fmt: skip
    token = buf.getvalue().strip().splitlines()[-1]
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    print(f"tickets: {Ticket.objects.count():,}, load {os.getloadavg()[0]:.2f}")
    for page in args.pages.split(","):
        headers = {"Authorization": f"Bearer {token}"} if page == "api list" else {}
        totals = []
        for url in page_urls(page, lo, hi):
            if url != "open_counts":
                client.get(url, headers=headers)
            seen: list[tuple[str, object]] = []

            def capture(run, sql, params, *rest, seen=seen):
                seen.append((sql, params))
                return run(sql, params, *rest)

            with connection.execute_wrapper(capture):
                if url == "open_counts":
                    user = get_user_model().objects.get(username=args.user)
                    queries.open_counts(user, list(queries.QUEUES))
                    status = 200
                else:
                    status = client.get(url, headers=headers).status_code
            timed = []
            # In order and in one transaction, as a page's set_config(..., true) holds for the
            # statements after it; rolled back, so nothing run here stays.
            with transaction.atomic():
                for sql, params in seen:
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    run, planned, plan = explain(sql, params, args.repeat)
                    timed.append((run + planned, run, planned, sql, plan))
                transaction.set_rollback(True)
            total = sum(t[0] for t in timed)
            planning = sum(t[2] for t in timed)
            totals.append(total)
            slowest = max(timed, default=(0, 0, 0, "", ""), key=lambda t: t[0])
            print(f"{page:<9} {url:<42} {status} {len(seen):>2} queries  SQL {total:6.1f} ms "
                  f"(planning {planning:5.1f})  slowest {slowest[1]:5.1f}+{slowest[2]:4.1f} ms: "
                  f"{' '.join(slowest[3].split())[:70]}")  # fmt: skip
            if args.plans is not None:
                for ms, _run, _planned, sql, plan in timed:
                    if ms >= args.plans:
                        print(f"--- {ms:.1f} ms\n{sql[:3000]}\n{plan}")
        print(f"{page:<9} SQL per request: max {max(totals):.1f} ms, mean "
              f"{sum(totals) / len(totals):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
