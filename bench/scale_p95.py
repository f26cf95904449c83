"""p95 of the console's hot pages at scale, under 4 concurrent connections (issue #20, target 5).

Four processes (as a production server runs worker processes; threads in one process would
measure Python's global lock, not the pages), each signed in with Django's test client, request
at the same time, round-robin through their URLs: the queue page (several queues, sorts and
filters, and keyset next pages), the ticket page (random tickets), the API list
(`/api/v1/tickets?limit=25`, with a bearer token) and the full-text search page. The time is
measured around the whole request inside the server process (middleware, view, queries,
template), without network; CPU per request is the process's own CPU (PostgreSQL's is apart).
Prints p50/p95/max and CPU per request per page, and the load average. Figures only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_1m \
        .venv/bin/python bench/scale_p95.py --requests 100 --concurrency 4

Targets (#20): queue, ticket page and API list p95 <= 50 ms, search p95 <= 150 ms at 1,000,000
tickets on PostgreSQL.
"""

import argparse
import io
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
os.environ.setdefault("ESCALA_API_RATE_LIMIT", "0")  # one token under load would get 429s
os.environ.setdefault("DEBUG", "false")  # production settings, without TLS (in-process client)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from escala.tickets.models import Ticket  # noqa: E402

QUEUE_URLS = [
    "/desk/?queue=all",
    "/desk/?queue=all&sort=updated",
    "/desk/?queue=all&sort=priority",
    "/desk/?queue=unassigned",
    "/desk/?queue=all&priority=high&size=50",
    "/desk/?queue=all&status=pending_vendor",
    "/desk/?queue=all&status=any",
]
SEARCH_WORDS = ["VPN", "ERP", "impresora", "password", "correo", "factura"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def urls_for(page: str, rng: random.Random, lo: int, hi: int) -> str:
    if page == "queue":
        return rng.choice(QUEUE_URLS)
    if page == "ticket":
        return f"/desk/tickets/{rng.randint(lo, hi)}/"
    if page == "api list":
        return "/api/v1/tickets?limit=25" + ("" if rng.random() < 0.5 else "&status=open")
    return f"/desk/kb/tickets/?q={rng.choice(SEARCH_WORDS)}"


def worker(n: int, page: str, requests: int, lo: int, hi: int, token: str, out) -> None:
    connections.close_all()  # a forked child opens its own connection
    rng = random.Random(1000 + n)
    client = Client()
    client.force_login(get_user_model().objects.get(username="sara"))
    headers = {"Authorization": f"Bearer {token}"} if page == "api list" else {}
    walls, cpus = [], []
    try:
        for _ in range(requests):
            url = urls_for(page, rng, lo, hi)
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            if response.status_code == 404 and page == "ticket":
                continue  # an id merged away or never used
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    finally:
        connections.close_all()
    out[f"{page}-{n}"] = (walls, cpus)


def queries(page: str, lo: int, hi: int, token: str) -> int:
    client = Client()
    client.force_login(get_user_model().objects.get(username="sara"))
    url = urls_for(page, random.Random(1), lo, hi)
    headers = {"Authorization": f"Bearer {token}"} if page == "api list" else {}
    client.get(url, headers=headers)
    seen: list[str] = []
    with connection.execute_wrapper(lambda run, sql, *rest: seen.append(sql) or run(sql, *rest)):
        client.get(url, headers=headers)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per connection")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pages", default="queue,ticket,api list,search")
    args = parser.parse_args()

    total = Ticket.objects.count()
    lo = Ticket.objects.order_by("id").values_list("id", flat=True).first() or 0
    hi = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    buf = io.StringIO()
    call_command("token", "create", "--user", "sara", "--name", "scale-p95", "--expires", "1d",
                 stdout=buf)  # fmt: skip
    token = buf.getvalue().strip().splitlines()[-1]
    print(f"database: {connection.vendor}, tickets: {total:,}, concurrency {args.concurrency}, "
          f"{args.requests} requests per connection")  # fmt: skip
    for page in args.pages.split(","):
        n_queries = queries(page, lo, hi, token)
        connections.close_all()
        load_before = os.getloadavg()[0]
        out = multiprocessing.Manager().dict()
        procs = [
            multiprocessing.get_context("fork").Process(
                target=worker, args=(n, page, args.requests, lo, hi, token, out)
            )
            for n in range(args.concurrency)
        ]
        started = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            if p.exitcode:
                raise SystemExit(f"a connection's process failed ({p.exitcode})")
        seconds = time.perf_counter() - started
        walls = [t for walls, _cpus in out.values() for t in walls]
        cpus = [t for _walls, cpus in out.values() for t in cpus]
        print(
            f"{page:<9} n={len(walls):<4} p50={statistics.median(walls):6.1f} ms "
            f"p95={percentile(walls, 95):6.1f} ms max={max(walls):6.1f} ms  "
            f"CPU/request p50={statistics.median(cpus):5.1f} ms  {n_queries} queries  "
            f"{len(walls) / seconds:5.0f} req/s  load {load_before:.2f}->{os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
