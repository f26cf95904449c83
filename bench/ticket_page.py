"""The desk ticket page: CPU and queries per request for a ticket with 1 message and with 50
(issue #20: at most 10 queries whatever the thread, 50 messages no slower than 5x one).

In-process (Django's test client, no network), one connection, as the supervisor `sara` of the
demo. The 50-message ticket is the demo's longest thread grown with notes and replies (with a
file on every other one) up to 50 messages when --grow is given; otherwise the longest thread as
it is. Prints per ticket: messages, queries, wall and CPU p50/p95 (ms), and the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_peer100k \
        .venv/bin/python bench/ticket_page.py --requests 200 [--grow]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
os.environ.setdefault("DEBUG", "false")  # production settings, without TLS (in-process client)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from escala.tickets.actions import add_note  # noqa: E402
from escala.tickets.choices import OPEN_STATUSES  # noqa: E402
from escala.tickets.models import Ticket  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def pick(messages: int) -> Ticket | None:
    """An open ticket of the newest 20,000 with exactly that many messages (or the most)."""
    recent = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("-id")[:20_000]
    counted = Ticket.objects.filter(pk__in=recent.values("pk")).annotate(n=Count("messages"))
    exact = counted.filter(n=messages).order_by("-id").first()
    return exact or counted.order_by("-n", "-id").first()


def measure(client: Client, ticket: Ticket, requests: int) -> dict:
    url = f"/desk/tickets/{ticket.pk}/"
    client.get(url)
    seen: list[str] = []
    with connection.execute_wrapper(lambda run, sql, *rest: seen.append(sql) or run(sql, *rest)):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    walls, cpus = [], []
    for _ in range(requests):
        started, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {
        "messages": ticket.messages.count(),
        "queries": len(seen),
        "wall_p50": statistics.median(walls),
        "wall_p95": percentile(walls, 95),
        "cpu_p50": statistics.median(cpus),
        "cpu_p95": percentile(cpus, 95),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--grow", action="store_true", help="grow the longest thread to 50")
    args = parser.parse_args()
    user = get_user_model().objects.get(username="sara")
    short, long = pick(1), pick(50)
    if args.grow and long.messages.count() < 50:
        for i in range(50 - long.messages.count()):
            files = [SimpleUploadedFile(f"trace-{i}.txt", b"x" * 2000, content_type="text/plain")]
            add_note(ticket=long.pk, by=user, body=f"Bench note {i}\nSecond line.",
                     attachments=files if i % 2 else [])  # fmt: skip
    client = Client()
    client.force_login(user)
    print(f"database: {connection.vendor}, tickets: {Ticket.objects.count():,}, "
          f"load average: {os.getloadavg()}")  # fmt: skip
    results = {}
    for label, ticket in (("1 message", short), ("long thread", long)):
        r = results[label] = measure(client, ticket, args.requests)
        print(
            f"{label:<12} #{ticket.pk} {r['messages']:>3} messages  {r['queries']} queries  "
            f"wall p50 {r['wall_p50']:5.1f} p95 {r['wall_p95']:5.1f} ms  "
            f"CPU p50 {r['cpu_p50']:5.1f} p95 {r['cpu_p95']:5.1f} ms  {r['bytes']:,} bytes"
        )
    ratio = results["long thread"]["cpu_p50"] / results["1 message"]["cpu_p50"]
    print(f"long/1-message CPU ratio: {ratio:.2f} (target <= 5)")


if __name__ == "__main__":
    main()
