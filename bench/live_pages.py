"""200 open console pages polling for live updates, and what they cost the queue page.

Starts the production server (gunicorn with escala/gunicorn_conf.py, as `escala serve`: a
process per core, 4 threads each, the file cache shared by its processes, or Redis with
--cache redis://...) on an ephemeral loopback port, against the database DATABASE_URL points at
(SQLite by default; load it first with `escala demo --tickets N`, or pass --fill N). Then:

1. baseline: `--clients` keep-alive clients request queue pages (several queues, sorts, two
   agents) for `--seconds`: queue pages per second, with nothing else running;
2. pages only: `--pages` simulated open pages (3/4 ticket pages polling every 2 s, 1/4 queue
   pages every 10 s: the intervals of escala/static/js/live.js) while a writer changes one of
   the watched tickets every `--write-every` seconds (a note, a reply, a status change, an
   assignment, through the actions in a process of its own): polls per second, their answers
   (204 / JSON), latency, and the server CPU time per poll;
3. both: the baseline's clients again with the pages and the writer running.

Prints the figures and the queue's throughput with the pages as a share of the baseline (the
target: >= 80 %). Figures only: it never passes or fails. Wall-clock figures depend on what
else runs on the machine: the load average is printed with them; the CPU time per request
(from /proc) is the steadier figure.

    ESCALA_VAR_DIR=/tmp/bench-var .venv/bin/python bench/live_pages.py --fill 5000
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _cpu import process_cpu_seconds, server_cpu_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TICKET_EVERY = 2.0  # escala/static/js/live.js
QUEUE_EVERY = 10.0
QUEUE_URLS = [
    "/desk/?queue=all",
    "/desk/?queue=all&sort=updated",
    "/desk/?queue=unassigned",
    "/desk/?queue=teams",
    "/desk/?queue=mine",
    "/desk/?queue=all&sort=priority",
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def prepare(fill: int, pages: int) -> dict:
    """Migrate (and fill), sign the agents in, choose the pages: what the clients need."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from escala.people.models import Agent
    from escala.tickets.choices import OPEN_STATUSES
    from escala.tickets.models import Ticket
    from escala.tickets.permissions import tickets_visible_to

    call_command("migrate", verbosity=0)
    if fill and not Ticket.objects.exists():
        print(f"Loading the demo with {fill} tickets ...", flush=True)
        call_command("demo", tickets=fill, verbosity=0)
    agents = list(Agent.objects.select_related("user").order_by("pk")[:12])
    if not agents:
        sys.exit("No agents: load the demo first (--fill N)")
    sessions = {}
    for agent in agents:
        client = Client()
        client.force_login(get_user_model().objects.get(pk=agent.user_id))
        sessions[agent.user.username] = client.cookies["sessionid"].value
    plan = []
    ticket_pages = pages * 3 // 4
    # Each ticket page on a ticket of its own, as agents each working their own tickets (a few
    # tickets with many viewers would make every change of them cost many renders): the open
    # tickets an agent sees, then the supervisors' pages for the rest.
    open_ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:ticket_pages]
    )
    # The demo has fewer open tickets than that: the rest are pages of tickets resolved lately
    # (agents keep those open too, and they poll as any other).
    page_ids = open_ids + list(
        Ticket.objects.exclude(pk__in=open_ids)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[: ticket_pages - len(open_ids)]
    )
    supervisors = [a for a in agents if a.is_supervisor] or agents[:1]
    seen_by = {
        agent.pk: set(
            tickets_visible_to(agent.user).filter(pk__in=page_ids).values_list("pk", flat=True)
        )
        for agent in agents
        if not agent.is_supervisor
    }
    for n, pk in enumerate(page_ids):
        viewers = [a for a in agents if pk in seen_by.get(a.pk, ())] or supervisors
        agent = viewers[n % len(viewers)]
        plan.append(("ticket", agent.user.username, pk))
    queues = ["mine", "unassigned", "teams", "all"]
    i = 0
    while len(plan) < pages:
        agent = agents[i % len(agents)]
        plan.append(("queue", agent.user.username, queues[i % len(queues)]))
        i += 1
    supervisor = next((a for a in agents if a.is_supervisor), agents[0])
    level1 = next((a for a in agents if not a.is_supervisor), agents[-1])
    return {
        "sessions": sessions,
        "plan": plan,
        "watched": open_ids,  # what the writer changes: open tickets with a page
        "queue_users": [supervisor.user.username, level1.user.username],
        "tickets": Ticket.objects.count(),
    }


# --- Load: the queue page ------------------------------------------------------------------------


def queue_client(port: int, session: str, stop: float, out: "multiprocessing.Queue") -> None:
    headers = {"Cookie": f"sessionid={session}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    done = errors = 0
    i = random.randrange(len(QUEUE_URLS))  # noqa: S311 - a benchmark's mix, not a secret
    while time.monotonic() < stop:
        url = QUEUE_URLS[i % len(QUEUE_URLS)]
        i += 1
        try:
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        if response.status == 200:
            done += 1
        else:
            errors += 1
    conn.close()
    out.put((done, errors, time.process_time()))


def queue_throughput(port: int, setup: dict, clients: int, seconds: float, pid: int) -> dict:
    stop = time.monotonic() + seconds
    out: multiprocessing.Queue = multiprocessing.Queue()
    users = setup["queue_users"]
    procs = [
        multiprocessing.Process(
            target=queue_client, args=(port, setup["sessions"][users[n % len(users)]], stop, out)
        )
        for n in range(clients)
    ]
    cpu = server_cpu_seconds(pid)
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    done = sum(d for d, _e, _c in results)
    return {
        "rps": done / elapsed,
        "done": done,
        "errors": sum(e for _d, e, _c in results),
        "client_cpu": sum(c for _d, _e, c in results),
        "cpu": server_cpu_seconds(pid) - cpu,
        "load": os.getloadavg(),
    }


# --- Load: the open pages ------------------------------------------------------------------------


def page(port: int, session: str, kind: str, target: object, stop: threading.Event, tally: dict):
    """One open page: polls at the page's interval, keeps the stamps it is sent."""
    headers = {"Cookie": f"sessionid={session}", "Accept": "application/json"}
    every = TICKET_EVERY if kind == "ticket" else QUEUE_EVERY
    state = {"s": "", "p": "", "n": ""}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    loaded = threading.Event()  # the page's first answer is a whole one, as its first render
    stop.wait(random.uniform(0, every))  # noqa: S311 - pages were opened at different times
    while not stop.is_set():
        if kind == "ticket":
            query = f"s={state['s']}&p={state['p']}&n={state['n']}&typing=0&draft=0&kind=reply"
            url = f"/desk/live/tickets/{target}/?{query}"
        else:
            url = f"/desk/live/queue/?queue={target}&s={state['s']}&n={state['n']}"
        started = time.perf_counter()
        try:
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
            except (ConnectionError, http.client.RemoteDisconnected):
                # The server closed the idle keep-alive connection: a browser just reconnects.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                started = time.perf_counter()
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            tally["errors"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            stop.wait(every)
            continue
        took = time.perf_counter() - started
        with tally["lock"]:
            tally[response.status] = tally.get(response.status, 0) + 1
            tally["times"].append(took)
        if response.status == 200:
            data = json.loads(body)
            state["s"] = data.get("stamp", "")
            # The bell's count, sent back as the page's script does (live.js).
            count = data.get("notifications")
            state["n"] = "" if count is None else str(count)
            if "presence" in data:
                state["p"] = data["presence"]["stamp"]
            if not loaded.is_set():
                loaded.set()
                with tally["lock"]:
                    tally["loaded"] += 1
        stop.wait(every)
    conn.close()


def pages_process(port: int, setup: dict, seconds: float, warmup: float, out) -> None:
    stop = threading.Event()
    tally: dict = {"lock": threading.Lock(), "times": [], "errors": 0, "loaded": 0}
    threads = [
        threading.Thread(
            target=page,
            args=(port, setup["sessions"][user], kind, target, stop, tally),
            daemon=True,
        )
        for kind, user, target in setup["plan"]
    ]
    for t in threads:
        t.start()
    # Every page has loaded (its first answer is the whole page's state), then some more.
    deadline = time.monotonic() + 300
    while tally["loaded"] < len(threads) and time.monotonic() < deadline:
        time.sleep(0.5)
    print(f"pages loaded: {tally['loaded']} of {len(threads)}", flush=True)
    time.sleep(warmup)
    with tally["lock"]:
        tally["times"].clear()
        for key in [k for k in tally if isinstance(k, int)]:
            tally[key] = 0
    out.put("measuring")
    cpu = time.process_time()
    time.sleep(seconds)
    with tally["lock"]:
        result = {k: v for k, v in tally.items() if k not in ("lock", "loaded")}
    result["client_cpu"] = time.process_time() - cpu
    stop.set()
    out.put(result)
    for t in threads:
        t.join(timeout=10)


def writer_process(setup: dict, every: float, stop_at: float) -> None:
    """Changes watched tickets as agents and requesters would, through the actions."""
    setup_django()
    from django.db import connections

    from escala.core.errors import DomainError
    from escala.tickets import actions
    from escala.tickets.models import Ticket

    connections.close_all()
    rng = random.Random(18)  # noqa: S311
    changes = 0
    while time.monotonic() < stop_at:
        pk = rng.choice(setup["watched"])
        ticket = Ticket.objects.select_related("requester__user").get(pk=pk)
        step = changes % 4
        try:
            if step == 0:
                actions.add_note(ticket=pk, by=None, body=f"Nota de prueba {changes}")
            elif step == 1 and ticket.requester.user_id:
                actions.add_reply(
                    ticket=pk, by=ticket.requester.user, body=f"Sigue igual ({changes})"
                )
            elif step == 2:
                actions.update_ticket_fields(
                    ticket=pk, by=None, priority=rng.choice(["low", "medium", "high"])
                )
            else:
                actions.add_note(ticket=pk, by=None, body=f"Otra nota {changes}")
        except DomainError:
            pass
        changes += 1
        time.sleep(every)
    print(f"writer: {changes} changes", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=int, default=0, help="load the demo with N tickets if empty")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4, help="queue-page clients")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=8)
    parser.add_argument("--write-every", type=float, default=1.0)
    parser.add_argument("--cache", default="file", help="ESCALA_CACHE for the server")
    args = parser.parse_args()

    os.environ["ESCALA_CACHE"] = args.cache
    os.environ.setdefault("ESCALA_CACHE_PREFIX", f"bench-live-{os.getpid()}")
    os.environ["ESCALA_EVENT_RELAY"] = "inline"  # the writer's listeners run in the writer
    setup = prepare(args.fill, args.pages)
    from django.core.cache import cache
    from django.db import connection, connections

    cache.clear()  # stamps and presence start empty (the file cache outlives a run)
    vendor = connection.vendor
    connections.close_all()
    kinds = [k for k, _u, _t in setup["plan"]]
    print(
        f"database: {vendor}, tickets: {setup['tickets']:,}, cache: {args.cache}; "
        f"pages: {kinds.count('ticket')} ticket + {kinds.count('queue')} queue, "
        f"cores: {os.cpu_count()}, load average: {os.getloadavg()}",
        flush=True,
    )

    port = free_port()
    # Production settings, but plain HTTP on loopback (TLS ends at the proxy in front).
    env = dict(os.environ, DEBUG="false", LOG_LEVEL="WARNING", SECURE_SSL_REDIRECT="false")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "escala" / "gunicorn_conf.py"),
            "-b",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(port)
        queue_throughput(port, setup, args.clients, 3, server.pid)  # warm every process
        base = queue_throughput(port, setup, args.clients, args.seconds, server.pid)
        print(
            f"1. queue page alone:      {base['rps']:6.1f} pages/s  "
            f"(server CPU {1000 * base['cpu'] / max(1, base['done']):5.1f} ms/page, "
            f"errors {base['errors']}, load {base['load'][0]:.2f})",
            flush=True,
        )

        total = 300 + args.warmup + args.seconds * 2 + 30
        stop_at = time.monotonic() + total
        writer = multiprocessing.Process(
            target=writer_process, args=(setup, args.write_every, stop_at)
        )
        writer.start()
        out: multiprocessing.Queue = multiprocessing.Queue()
        pages = multiprocessing.Process(
            target=pages_process, args=(port, setup, args.seconds * 2 + 5, args.warmup, out)
        )
        pages.start()
        out.get()  # "measuring": every page has had its first (whole) answer
        cpu = server_cpu_seconds(server.pid)
        writer_cpu = process_cpu_seconds(writer.pid)
        started = time.monotonic()
        time.sleep(args.seconds)
        alone_cpu = server_cpu_seconds(server.pid) - cpu
        writer_cpu = process_cpu_seconds(writer.pid) - writer_cpu
        alone_elapsed = time.monotonic() - started
        both = queue_throughput(port, setup, args.clients, args.seconds, server.pid)
        tally = out.get()
        pages.join()
        writer.terminate()
        writer.join()

        polls = sum(v for k, v in tally.items() if isinstance(k, int))
        times = tally["times"] or [0.0]
        per_second = polls / (args.seconds * 2 + 5)
        print(
            f"2. {args.pages} pages polling: {per_second:6.1f} polls/s "
            f"(answers: {', '.join(f'{k}: {v}' for k, v in sorted((k, v) for k, v in tally.items() if isinstance(k, int)))}; "  # noqa: E501
            f"errors {tally['errors']}), latency p50 {1000 * statistics.median(times):.1f} ms "
            f"p95 {1000 * percentile(times, 95):.1f} ms; server CPU with the writer: "
            f"{alone_cpu / alone_elapsed:.3f} s/s = {1000 * alone_cpu / max(1, per_second * alone_elapsed):.2f} ms/poll",  # noqa: E501
            flush=True,
        )
        share = alone_cpu / alone_elapsed / (os.cpu_count() or 1)
        print(
            f"   the pages and the writer's requests took {100 * share:.0f} % of the server's "
            f"{os.cpu_count()} cores (CPU estimate of the queue's share left: "
            f"{100 * (1 - share):.0f} %; meaningful while the polls keep up: p50 well under "
            "the 2 s interval)",
            flush=True,
        )
        ratio = both["rps"] / base["rps"] if base["rps"] else 0.0
        print(
            f"3. queue page with them:  {both['rps']:6.1f} pages/s  "
            f"(errors {both['errors']}, load {both['load'][0]:.2f})  -> "
            f"{100 * ratio:.0f} % of the queue page's throughput alone (target >= 80 %)",
            flush=True,
        )
        # The benchmark's own clients share the machine's cores with the server.
        window = args.seconds * 2 + 5
        print(
            f"   clients' own CPU: the {args.pages} pages {tally['client_cpu'] / window:.3f} s/s "
            f"({1000 * tally['client_cpu'] / max(1, polls):.2f} ms/poll), the writer "
            f"{writer_cpu / alone_elapsed:.3f} s/s, the queue clients "
            f"{1000 * base['client_cpu'] / max(1, base['done']):.2f} ms/page",
            flush=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
