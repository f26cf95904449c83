"""What one API ticket creation costs inside the server: queries and CPU time per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_api_bench \
        .venv/bin/python bench/api_create_profile.py [--requests 200] [--profile 25]

Runs the whole Django stack in-process (the WSGI handler, middleware, the API) against the
database in DATABASE_URL, which must hold the demo organization (`escala demo --tickets 0`).
Prints the SQL statements of one request, the mean CPU time per request (process time, so it
hardly depends on the machine's load), and the top of a cProfile. Creates tickets: never point
it at a database you must not write to.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
os.environ.setdefault("DEBUG", "false")
os.environ["ESCALA_API_RATE_LIMIT"] = os.environ.get("ESCALA_API_RATE_LIMIT", "600")

# As a requester's integration sends it (bench/api_create.py): impact and urgency are the
# desk's, and a requester who sends them is refused (422), which created no ticket.
BODY = json.dumps(
    {
        "subject": "Benchmark: no puedo acceder a la VPN",
        "body": "Desde esta mañana la VPN rechaza mi usuario. He reiniciado el portátil.",
    }
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", type=int, default=25, help="Lines of the profile to show.")
    parser.add_argument("--user", default="marta")
    parser.add_argument("--path", default="/api/v1/tickets", help="POST path (or GET with --get)")
    parser.add_argument("--get", action="store_true", help="Profile a GET of --path instead.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from escala.api.tokens import issue_token

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Point DATABASE_URL at a PostgreSQL database of your own.")
    user = get_user_model().objects.get(username=args.user)
    _token, raw = issue_token(user=user, by=None, name="profile", scopes=["tickets:write"])
    if args.get:
        _token, raw = issue_token(user=user, by=None, name="profile", scopes=["tickets:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def call() -> None:
        if args.get:
            response = client.get(args.path)
            expected = 200
        else:
            response = client.post(args.path, BODY, content_type="application/json")
            expected = 201
        if response.status_code != expected:
            sys.exit(f"{response.status_code}: {response.content[:400]!r}")

    for _ in range(5):  # warm: imports, connection, caches
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    print(f"{len(captured)} SQL statements in one request:")
    for q in captured.captured_queries:
        print(f"  {q['time']:>6}s  {q['sql'][:150]}")

    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.requests):
        call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{args.requests} requests: {cpu / args.requests * 1000:.2f} ms CPU each in this process"
        f" (wall {wall / args.requests * 1000:.2f} ms, including the database's time)"
    )
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(min(args.requests, 100)):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
    print(out.getvalue())


if __name__ == "__main__":
    main()
