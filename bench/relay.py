"""The worker's relay of API-created tickets on PostgreSQL: how fast one and two workers take a
backlog, and whether a sustained stream of new tickets is routed, clocked and receipted in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench_<you> \\
        .venv/bin/python bench/relay.py [--tickets 600] [--workers 1,2]
    ... bench/relay.py --sustained 300 --seconds 60 [--relay-workers 1]

Backlog mode: N tickets are created as the API creates them (worker relay: each writes its rows
and one queued event), then W relay processes drain the queue; printed: tickets/s, events/s (the
queued creation and the assignment and status events routing records, relayed in the same
batch), CPU ms per ticket of the relay processes and of PostgreSQL.

Sustained mode: producer processes create RATE tickets/s for SECONDS while `escala worker`
processes relay; the oldest queued event's age is sampled every half second, and for every
ticket the time from its creation to its receipt being queued (routing, clocks, facts and the
receipt are written in that same transaction) gives the end-to-end p50/p95/max. Tickets are
created by the action the API handler calls, without HTTP (bench/api_create.py measures the
API itself): the machine's cores go to the relay being measured.

This benchmark WRITES tickets: use a database of your own. Figures are printed, never asserted.
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import _cpu_seconds, postgres_cpu_seconds  # noqa: E402
from api_create import BODY, ensure_database, escala  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    settings.ESCALA_EVENT_RELAY = "worker"


def _create(env: dict[str, str], count: int, rate: float, out: "multiprocessing.Queue") -> None:
    """Create `count` tickets as the API does (marta, channel api), `rate` a second (0: at once)."""
    _django(env)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from escala.people.queries import requester_of
    from escala.tickets.actions import create_ticket

    user = get_user_model().objects.get(username="marta")
    requester = requester_of(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")  # the server is local
    started = time.monotonic()
    pg = _cpu_seconds(backend)
    cpu = time.process_time()
    for n in range(count):
        if rate:
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        create_ticket(
            requester=requester,
            subject=f"{BODY['subject']} {n}",
            body=BODY["body"],
            channel="api",
            by=user,
            impact=None,
            urgency=None,
        )
    cpu = time.process_time() - cpu
    pg = _cpu_seconds(backend) - pg
    connection.close()
    out.put((count, cpu, time.monotonic() - started, pg))


def _drain(env: dict[str, str], start, out) -> None:  # noqa: ANN001 - multiprocessing objects
    """One relay process: relay batches until the queue is empty."""
    _django(env)
    from django.db import connection

    from escala.core.management.commands.worker import RELAY_BATCH
    from escala.tickets import events

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")  # the server is local
    start.wait()
    pg = _cpu_seconds(backend)
    cpu = time.process_time()
    began = time.monotonic()
    relayed = 0
    while n := events.relay(limit=RELAY_BATCH):
        relayed += n
    elapsed = time.monotonic() - began
    cpu = time.process_time() - cpu
    pg = _cpu_seconds(backend) - pg
    connection.close()
    out.put((relayed, cpu, elapsed, pg))


def _scalar(env: dict[str, str], code: str) -> str:
    return escala("shell", "-c", code, env=env).strip().splitlines()[-1]


def _counts(env: dict[str, str]) -> tuple[int, int]:
    out = _scalar(
        env,
        "from escala.tickets.models import QueuedEvent, TicketEvent;"
        " print(QueuedEvent.objects.count(), TicketEvent.objects.count())",
    )
    queued, total = out.split()
    return int(queued), int(total)


def backlog(env: dict[str, str], tickets: int, workers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    queued, _ = _counts(env)
    if queued:
        print(f"  ({queued} events were queued before: relayed first, not counted)")
        drain(env, 1, ctx)
    producer = ctx.Process(target=_create, args=(env, tickets, 0, out))
    producer.start()
    count, create_cpu, create_wall, create_pg = out.get()
    producer.join()
    queued, events_before = _counts(env)
    start = ctx.Event()
    procs = [ctx.Process(target=_drain, args=(env, start, out)) for _ in range(workers)]
    for p in procs:
        p.start()
    time.sleep(3)  # imports and connections before the clock starts
    began = time.monotonic()
    start.set()
    results = [out.get() for _ in procs]
    wall = time.monotonic() - began
    pg = sum(r[3] for r in results)  # the relay processes' own PostgreSQL backends
    for p in procs:
        p.join()
    left, events_after = _counts(env)
    relayed = sum(r[0] for r in results)
    cpu = sum(r[1] for r in results)
    # The creations plus the follow-ups routing records (relayed in the same batch; an older
    # relay queued them as events of their own, counted in `relayed` then).
    handled = queued + (events_after - events_before)
    print(
        f"{workers} relay process(es): {relayed} queued events relayed ({count} tickets)"
        f" in {wall:.2f} s"
        f" = {count / wall:.0f} tickets/s, {handled / wall:.0f} events/s with the follow-ups"
        f" routing records ({handled} events); relay CPU {cpu / count * 1000:.2f} ms/ticket,"
        f" their PostgreSQL backends {pg / count * 1000:.2f} ms/ticket; {left} left;"
        f" load average {os.getloadavg()}"
    )
    print(
        f"  (creating them cost {create_cpu / count * 1000:.2f} ms CPU/ticket in Python,"
        f" {create_pg / count * 1000:.2f} ms in the producer's PostgreSQL backend)"
    )


def drain(env: dict[str, str], workers: int, ctx) -> None:  # noqa: ANN001
    out = ctx.Queue()
    start = ctx.Event()
    procs = [ctx.Process(target=_drain, args=(env, start, out)) for _ in range(workers)]
    for p in procs:
        p.start()
    start.set()
    for _ in procs:
        out.get()
    for p in procs:
        p.join()


def sustained(env: dict[str, str], rate: int, seconds: int, relay_workers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    drain(env, 1, ctx)
    since = _scalar(env, "from escala.core import clock; print(clock.now().isoformat())")
    workers = [
        subprocess.Popen(  # noqa: S603
            [str(BIN / "escala"), "worker", "--interval", "0.2", "--worker-id", f"bench-{n}"],
            env={**env, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
            cwd=ROOT,
        )
        for n in range(relay_workers)
    ]
    producers_n = max(1, (rate + 149) // 150)  # one process makes ~150-250 tickets/s
    per = rate / producers_n
    time.sleep(3)
    pg = postgres_cpu_seconds()
    worker_cpu = sum(_cpu_seconds(Path(f"/proc/{w.pid}/stat")) for w in workers)
    producers = [
        ctx.Process(target=_create, args=(env, int(per * seconds), per, out))
        for _ in range(producers_n)
    ]
    for p in producers:
        p.start()
    _django(env)
    from django.db import connection
    from django.db.models import Min

    from escala.core import clock
    from escala.tickets.models import QueuedEvent

    ages = []
    began = time.monotonic()
    while any(p.is_alive() for p in producers) or time.monotonic() - began < seconds:
        oldest = QueuedEvent.objects.aggregate(at=Min("event__created_at"))["at"]
        ages.append((clock.now() - oldest).total_seconds() if oldest else 0.0)
        time.sleep(0.5)
    made = [out.get() for _ in producers]
    produced_wall = max(m[2] for m in made)
    create_cpu = sum(m[1] for m in made)
    create_pg = sum(m[3] for m in made)
    # Let the workers finish the tail, at most 30 s, and send the receipts, at most 120 s: their
    # CPU is the delivery of every receipt too.
    from escala.mail.choices import OutboxStatus
    from escala.mail.models import Outbox

    tail = time.monotonic()
    while QueuedEvent.objects.exists() and time.monotonic() - tail < 30:
        time.sleep(0.2)
    tail = time.monotonic() - tail
    sending = time.monotonic()
    unsent = Outbox.objects.filter(status=OutboxStatus.PENDING, created_at__gte=since)
    while unsent.exists() and time.monotonic() - sending < 120:
        time.sleep(0.2)
    sending = time.monotonic() - sending
    left = unsent.count()
    worker_cpu = sum(_cpu_seconds(Path(f"/proc/{w.pid}/stat")) for w in workers) - worker_cpu
    pg = postgres_cpu_seconds() - pg
    for w in workers:
        w.terminate()
    for w in workers:
        w.wait(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT EXTRACT(EPOCH FROM (o.created_at - t.created_at))
                 FROM tickets_ticket t JOIN mail_outbox o
                   ON o.ticket_id = t.id AND o.kind = 'received'
                WHERE t.created_at >= %s""",
            [since],
        )
        lags = sorted(float(r[0]) for r in cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM tickets_ticket WHERE created_at >= %s", [since])
        created = cursor.fetchone()[0]
    count = sum(m[0] for m in made)
    print(
        f"sustained: {count} tickets in {produced_wall:.1f} s = {count / produced_wall:.0f}"
        f" tickets/s asked {rate}/s, {relay_workers} worker(s); load average {os.getloadavg()}"
    )
    if ages:
        print(
            f"  oldest queued event age: p50 {statistics.median(ages):.2f} s,"
            f" p95 {_pct(ages, 95):.2f} s, max {max(ages):.2f} s ({len(ages)} samples);"
            f" tail drained in {tail:.1f} s; the receipts sent {sending:.1f} s later"
            f" ({left} left unsent)"
        )
    if lags:
        print(
            f"  created -> routed, clocked, receipt queued: p50 {statistics.median(lags):.2f} s,"
            f" p95 {_pct(lags, 95):.2f} s, max {lags[-1]:.2f} s"
            f" ({len(lags)} of {created} tickets receipted)"
        )
    print(
        f"  producers: {create_cpu / max(count, 1) * 1000:.2f} ms CPU/ticket in Python,"
        f" {create_pg / max(count, 1) * 1000:.2f} ms in their PostgreSQL backends"
    )
    print(
        f"  worker CPU {worker_cpu / max(count, 1) * 1000:.2f} ms/ticket (tasks, mail"
        f" delivery to a dummy backend included), every PostgreSQL process on the machine"
        f" {pg / max(count, 1) * 1000:.2f} ms/ticket (producers and other work included)"
    )


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--workers", default="1,2", help="Relay processes per run, e.g. 1,2.")
    parser.add_argument("--sustained", type=int, metavar="RATE", help="Tickets/s to sustain.")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--relay-workers", type=int, default=1)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created if missing).")
    ensure_database(url)
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        "LOG_LEVEL": "WARNING",
        "ESCALA_CACHE": "file",
        "DJANGO_SETTINGS_MODULE": "escala.settings",
        "ESCALA_EVENT_RELAY": "worker",
    }
    escala("migrate", "--noinput", env=env)
    escala("demo", "--if-empty", "--tickets", "0", env=env)
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()}")
    if args.sustained:
        sustained(env, args.sustained, args.seconds, args.relay_workers)
        return
    for workers in [int(w) for w in args.workers.split(",")]:
        backlog(env, args.tickets, workers)


if __name__ == "__main__":
    main()
