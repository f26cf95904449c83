"""Create tickets through the API against PostgreSQL with the production server settings; print
tickets/s and the server's CPU time per request, then the list endpoint's latency percentiles at
the database's current ticket count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench_<you> \
        .venv/bin/python bench/api_create.py [--seconds 20] [--connections 16] [--workers N]

The database is created and migrated if needed, with the demo organization (`escala demo`);
grow it first with `escala demo --tickets N` to measure the list at N tickets. This benchmark
WRITES tickets: use a database of your own. The server is gunicorn with escala/gunicorn_conf.py
(what `escala serve` runs: a process per core, 4 threads each, persistent connections, the file
cache shared by the processes) with DEBUG off and the per-token rate limit off (a benchmark is
one token hammering). The load comes from `wrk` (apt-get install wrk) on loopback, or from
Python processes with keep-alive connections without it. Figures are printed, never asserted.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import postgres_cpu_seconds, server_cpu_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BODY = {
    "subject": "Benchmark: no puedo acceder a la VPN",
    "body": "Desde esta mañana la VPN rechaza mi usuario. He reiniciado el portátil.",
}  # as a requester's integration sends it: impact and urgency are the desk's (refused, 422)


def escala(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "escala"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"escala {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def ticket_count(env: dict[str, str]) -> int:
    out = escala(
        "shell",
        "-c",
        "from escala.tickets.models import Ticket; print(Ticket.objects.count())",
        env=env,
    )
    return int(out.strip().splitlines()[-1])


def load_with_wrk(port: int, token: str, seconds: int, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(BODY))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    script.close()
    out = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}/api/v1/tickets",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"tool": "wrk", "raw": out, "errors": int(non2xx[1]) if non2xx else 0}


def _hammer(port: int, token: str, stop: float, out: "multiprocessing.Queue") -> None:
    body = json.dumps(BODY)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    done = errors = 0
    while time.monotonic() < stop:
        try:
            conn.request("POST", "/api/v1/tickets", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        done += 1
        if response.status != 201:
            errors += 1
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    out.put((done, errors))


def load_with_processes(port: int, token: str, seconds: int, connections: int) -> dict:
    """`connections` client processes, each with one keep-alive connection (no GIL shared)."""
    stop = time.monotonic() + seconds
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_hammer, args=(port, token, stop, out))
        for _ in range(connections)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return {"tool": "python processes", "raw": "", "errors": sum(e for _d, e in results)}


def list_latencies(port: int, token: str, path: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            sys.exit(f"GET {path} answered {response.status}: {payload[:300]!r}")
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    return timings


def queued_events(env: dict[str, str]) -> int:
    out = escala(
        "shell",
        "-c",
        "from escala.tickets.models import QueuedEvent; print(QueuedEvent.objects.count())",
        env=env,
    )
    return int(out.strip().splitlines()[-1])


def drain_relay(env: dict[str, str]) -> None:
    """The requests only wrote their rows: their events' listeners (routing, SLA clocks, report
    facts, triggers, webhooks, the receipt mails) wait for the worker. Time one worker (what
    `escala serve` starts beside the server) relaying that backlog, with the server idle."""
    backlog = queued_events(env)
    started = time.monotonic()
    # The receipts are queued and "sent" (to Django's dummy backend: no mail server here).
    escala(
        "worker",
        "--batch",
        env={**env, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
    )
    elapsed = time.monotonic() - started
    print(
        f"worker: relayed {backlog - queued_events(env)} queued events in {elapsed:.1f} s"
        f" = {backlog / elapsed:.0f} events/s, mail deliveries included"
        f" ({queued_events(env)} left)"
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, help="Server processes (default: the config's).")
    parser.add_argument("--threads", type=int, help="Threads per process (default: the config's).")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--list-requests", type=int, default=300)
    parser.add_argument("--skip-create", action="store_true", help="Only measure the list.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created if missing).")
    ensure_database(url)
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        "ESCALA_API_RATE_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
        "ESCALA_CACHE": "file",
        "DJANGO_SETTINGS_MODULE": "escala.settings",
        # Plain HTTP on loopback: with DEBUG off every request was redirected to https (a 301
        # that wrk counts as a success) and no ticket was created.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
    }
    escala("migrate", "--noinput", env=env)
    escala("demo", "--if-empty", "--tickets", "0", env=env)
    tokens = {
        who: escala(
            "token", "create", "--user", who, "--name", "bench", "--expires", "1d", env=env
        ).strip()
        for who in ("marta", "lucia", "sara", "john")
    }

    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["WEB_THREADS"] = str(args.threads)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "escala" / "gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(port)
        config = escala(
            "shell",
            "-c",
            "import runpy; c = runpy.run_path('escala/gunicorn_conf.py');"
            " print(c['workers'], c['threads'])",
            env=env,
        ).split()
        print(
            f"gunicorn: {config[-2]} processes x {config[-1]} threads (gthread), DEBUG off,"
            f" PostgreSQL; cores: {os.cpu_count()}; load average {os.getloadavg()}"
        )
        if not args.skip_create:
            check = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            check.request(
                "POST",
                "/api/v1/tickets",
                body=json.dumps(BODY),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens['marta']}",
                },
            )
            answer = check.getresponse()
            if answer.status != 201:
                sys.exit(f"POST /api/v1/tickets answered {answer.status}: {answer.read()[:300]!r}")
            check.close()
            before = ticket_count(env)
            # Warm every worker up (imports, connections) before the clock starts.
            load_with_processes(port, tokens["marta"], 3, 4)
            warm = ticket_count(env)
            cpu = server_cpu_seconds(server.pid)
            pg_cpu = postgres_cpu_seconds()
            started = time.monotonic()
            runner = load_with_wrk if shutil.which("wrk") else load_with_processes
            result = runner(port, tokens["marta"], args.seconds, args.connections)
            elapsed = time.monotonic() - started
            cpu = server_cpu_seconds(server.pid) - cpu
            pg_cpu = postgres_cpu_seconds() - pg_cpu
            created = ticket_count(env) - warm
            print(
                f"create: {created} tickets in {elapsed:.1f}s = {created / elapsed:.0f} tickets/s"
                f" ({result['tool']}, {args.connections} connections, {result['errors']} errors;"
                f" {warm - before} warm-up tickets not counted)"
            )
            print(
                f"server CPU (gunicorn processes, user+system): {cpu / max(created, 1) * 1000:.1f}"
                f" ms per created ticket; PostgreSQL: {pg_cpu / max(created, 1) * 1000:.1f} ms;"
                f" load average now {os.getloadavg()}"
            )
            if result["raw"]:
                latency = re.search(r"Latency Distribution\n((?:.*\n){4})", result["raw"])
                if latency:
                    print("create latency " + " ".join(latency[1].split()))
            drain_relay(env)
        total = ticket_count(env)
        print(f"list at {total} tickets ({args.list_requests} sequential requests each):")
        for who, path in [
            ("sara (supervisor, all)", "/api/v1/tickets?limit=50"),
            ("lucia (L1 agent)", "/api/v1/tickets?limit=50"),
            ("lucia, open only", "/api/v1/tickets?limit=50&open=true"),
            ("marta (requester)", "/api/v1/tickets?limit=50"),
            ("john (customer)", "/api/v1/tickets?limit=50"),
        ]:
            token = tokens[who.split()[0].rstrip(",")]
            list_latencies(port, token, path, 10)  # warm
            timings = list_latencies(port, token, path, args.list_requests)
            print(
                f"  {who:24} p50 {statistics.median(timings):6.1f} ms"
                f"  p95 {pct(timings, 95):6.1f} ms  max {max(timings):6.1f} ms"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
