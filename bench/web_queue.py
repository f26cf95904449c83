"""Server time of the console's queue page (and ticket page) under 2 concurrent agents.

Runs against the database DATABASE_URL points at, filled by `escala demo --tickets N` (pass
--fill N to load it first if it is empty). Two agents, each in its own process (as the
production server runs a worker process per core; two threads in one process would measure
Python's global lock, not the page), signed in with Django's test client, request queue pages
(first pages and keyset next pages of several queues, sorts and filters) and ticket pages; the
time is measured around the whole request inside the server (middleware, views, queries,
templates), without any network. Prints p50/p95/max in ms and the SQL queries per page.
Figures only: it never passes or fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench \
        .venv/bin/python bench/web_queue.py --fill 100000 --requests 200
"""

import argparse
import html
import multiprocessing
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from escala.tickets.models import Ticket  # noqa: E402

NEXT = re.compile(r'href="(\?[^"]*after=[^"]+)"')

QUEUE_URLS = [
    "/desk/?queue=all",
    "/desk/?queue=all&sort=updated",
    "/desk/?queue=all&sort=priority",
    "/desk/?queue=unassigned",
    "/desk/?queue=teams&status=any",
    "/desk/?queue=mine",
    "/desk/?queue=all&priority=high&size=50",
    "/desk/?queue=all&status=pending_vendor",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def worker(username: str, urls: list[str], requests: int, out, key: str) -> None:
    connections.close_all()  # a forked child opens its own connection
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    times: list[float] = []
    cpu: list[float] = []
    try:
        for i in range(requests):
            url = urls[i % len(urls)]
            started = time.perf_counter()
            cpu_started = time.thread_time()
            response = client.get(url, headers={"HX-Request": "true"} if i % 2 else {})
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.thread_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} for {username}")
            times.append(elapsed)
            # Follow the keyset pager once in a while: deep pages must cost what page 1 costs.
            found = NEXT.search(response.content.decode())
            if found and i % 4 == 0:
                next_url = html.unescape(found.group(1))
                started = time.perf_counter()
                client.get(url.split("?")[0] + next_url)
                times.append((time.perf_counter() - started) * 1000)
    finally:
        connections.close_all()
    out[key] = times
    out[key + "-cpu"] = cpu


def queries_for(username: str, url: str) -> int:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def run(label: str, pairs: list[tuple[str, list[str]]], requests: int) -> None:
    connections.close_all()
    out = multiprocessing.Manager().dict()
    procs = [
        multiprocessing.get_context("fork").Process(
            target=worker, args=(user, urls, requests, out, f"{user}-{n}")
        )
        for n, (user, urls) in enumerate(pairs)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"an agent's process failed ({p.exitcode})")
    times = [t for key, series in out.items() if not key.endswith("-cpu") for t in series]
    cpu = [t for key, series in out.items() if key.endswith("-cpu") for t in series]
    print(
        f"{label:<12} n={len(times):<5} p50={statistics.median(times):6.1f} ms  "
        f"p95={percentile(times, 95):6.1f} ms  max={max(times):6.1f} ms   "
        f"(Django CPU per request: p50={statistics.median(cpu):5.1f} ms "
        f"p95={percentile(cpu, 95):5.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=int, default=0, help="load the demo with N tickets if empty")
    parser.add_argument("--requests", type=int, default=200, help="requests per agent")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.fill and not Ticket.objects.exists():
        print(f"Loading the demo with {args.fill} tickets ...", flush=True)
        call_command("demo", tickets=args.fill, verbosity=0)
    if connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum keeps them after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Ticket.objects.count()
    print(f"database: {connection.vendor}, tickets: {total:,}, load average: {os.getloadavg()}")
    reset_queries()

    ticket_ids = list(Ticket.objects.order_by("-id").values_list("pk", flat=True)[:50])
    ticket_urls = [f"/desk/tickets/{pk}/" for pk in ticket_ids]
    for user, url in [
        ("sara", "/desk/?queue=all"),
        ("sara", "/desk/?queue=all&size=100"),
        ("lucia", "/desk/?queue=unassigned"),
        ("sara", ticket_urls[0]),
    ]:
        print(f"queries  {user:<6} {url:<40} {queries_for(user, url)}")

    print("2 concurrent agents (sara: supervisor, lucia: Level 1):")
    run(
        "queue page",
        [("sara", QUEUE_URLS), ("lucia", QUEUE_URLS[3:6] + QUEUE_URLS[:1])],
        args.requests,
    )
    run("ticket page", [("sara", ticket_urls), ("sara", ticket_urls[::-1])], args.requests // 2)


if __name__ == "__main__":
    main()
