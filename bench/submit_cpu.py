"""CPU time and queries per ticket-creating POST, in-process (django.test.Client with CSRF checks
on, no network, no server): the portal's new request as a signed-in employee, the console's new
ticket as an agent (a phone call: the claim included), and an API create with a bearer token.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_<you>_bench \
        .venv/bin/python bench/submit_cpu.py [--requests 200] [--only portal,desk,api] [--top 30]

CPU is this process's user + system time (resource.getrusage), which the machine's other load
barely moves, unlike wall-clock rates; PostgreSQL's own CPU is not in it. The database is the
demo's (`escala demo`, its logins marta and sara): this benchmark WRITES tickets, use a copy of
your own. Figures are printed, never asserted.
"""

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ESCALA_API_RATE_LIMIT", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
os.environ["ALLOWED_HOSTS"] = "testserver"
for name, value in {
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
}.items():
    os.environ.setdefault(name, value)  # the side-by-side benchmark's plain-HTTP setup

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from escala.people.models import Requester  # noqa: E402
from escala.tickets.middleware import COOKIE  # noqa: E402


def backend_cpu() -> float:
    """CPU of this connection's PostgreSQL backend process (the server is local), 0 elsewhere."""
    if connection.vendor != "postgresql":
        return 0.0
    if not hasattr(backend_cpu, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_cpu.pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{backend_cpu.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


FORM = "application/x-www-form-urlencoded"  # as a browser (and wrk) posts a form without files


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Count:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001
        self.n += 1
        return execute(sql, params, many, context)


def fresh(client: Client, send):  # noqa: ANN001, ANN201
    """As the side-by-side benchmark's wrk sends it: the same cookies every time, so no POST
    relays the previous one's events (the author's next page would; a worker does here)."""

    def post():  # noqa: ANN202
        client.cookies.pop(COOKIE, None)
        client.cookies.pop("messages", None)  # nor the previous one's flash message
        return send()

    return post


def signed_in(username: str, form_url: str) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username=username))
    client.get(form_url)  # the CSRF cookie, as a browser has it
    return client, client.cookies["csrftoken"].value


def scenarios(only: set[str]) -> list[tuple[str, object]]:
    made = []
    if "portal" in only:
        client, token = signed_in("marta", "/requests/new/")
        data = {
            "csrfmiddlewaretoken": token,
            "category": "",
            "subject": "Printer jammed on floor 2",
            "description": "The printer shows a paper jam error although no paper is stuck.",
        }
        form = urlencode(data)
        made.append(
            (
                "portal new request",
                fresh(client, lambda: client.post("/requests/new/", form, content_type=FORM)),
            )
        )
    if "desk" in only:
        agent, token = signed_in("sara", "/desk/new/")
        caller = Requester.objects.filter(kind="employee").order_by("pk").first()
        desk = {
            "csrfmiddlewaretoken": token,
            "requester": caller.pk,
            "channel": "phone",
            "category": "",
            "subject": "Sin conexión en la oficina",
            "body": "La oficina no tiene red desde esta mañana.",
            "impact": "high",
            "urgency": "high",
        }
        call = urlencode(desk)
        made.append(
            (
                "desk new ticket (phone)",
                fresh(agent, lambda: agent.post("/desk/new/", call, content_type=FORM)),
            )
        )
    if "api" in only:
        out = __import__("io").StringIO()
        call_command(
            "token", "create", "--user", "marta", "--name", "submit-cpu", "--expires", "1d",
            stdout=out,
        )  # fmt: skip
        bearer = {"Authorization": "Bearer " + out.getvalue().strip().splitlines()[-1]}
        api = Client()
        body = {"subject": "Toner", "body": "The printer on floor 2 is out of toner."}
        made.append(
            (
                "API create",
                lambda: api.post(
                    "/api/v1/tickets", body, content_type="application/json", headers=bearer
                ),
            )
        )
    return made


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--only", default="portal,desk,api")
    ap.add_argument("--top", type=int, default=0, help="profile and print the top N functions")
    args = ap.parse_args()
    print(f"in-process, {args.requests} POSTs each, {connection.vendor}, load {os.getloadavg()}")
    for label, send in scenarios(set(args.only.split(","))):
        for _ in range(10):  # warm: imports, caches, the connection
            assert send().status_code in (201, 302)  # noqa: S101  (a benchmark's sanity check)
        counts, cpus = [], []
        started_wall, started_cpu, started_db = time.perf_counter(), cpu(), backend_cpu()
        for _ in range(args.requests):
            count = Count()
            before = cpu()
            with connection.execute_wrapper(count):
                status = send().status_code
            cpus.append(cpu() - before)
            counts.append(count.n)
            assert status in (201, 302), status  # noqa: S101
        wall = (time.perf_counter() - started_wall) / args.requests * 1000
        total = (cpu() - started_cpu) / args.requests * 1000
        db = (backend_cpu() - started_db) / args.requests * 1000
        print(
            f"{label:26s} CPU {total:6.2f} ms/POST (median {statistics.median(cpus) * 1000:.2f})"
            f"  PostgreSQL backend CPU {db:5.2f} ms  wall {wall:6.2f} ms"
            f"  queries {min(counts)}-{max(counts)}"
        )
        if args.top:
            prof = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
            prof.enable()
            for _ in range(min(args.requests, 100)):
                send()
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)
            pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
