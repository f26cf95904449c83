"""Search latency over N tickets on PostgreSQL: prints p50/p95/max of search_tickets() as a
supervisor (all tickets, then open ones only), a Level 1 agent, a customer manager (the whole
organization) and a requester, and of search_articles() as an agent.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench \
        .venv/bin/python bench/search_p95.py --tickets 1000000

It creates the database in DATABASE_URL if missing, migrates it, builds the demo organization
(`escala demo --tickets 0`) and then adds tickets until there are N, in set-based SQL batches
(subjects and messages drawn from the demo's Spanish and English texts, each with a few
distinct words of its own, so terms have realistic, varied frequencies). The search index is
filled by the same database triggers that index real tickets. Prints figures; never pass/fail.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

WORDS = [
    "Madrid",
    "Alcalá",
    "Toledo",
    "Sevilla",
    "Valencia",
    "Bilbao",
    "Zaragoza",
    "Málaga",
    "tienda",
    "oficina",
    "almacén",
    "planta",
    "sótano",
    "recepción",
    "portátil",
    "móvil",
    "impresora",
    "monitor",
    "teclado",
    "ratón",
    "router",
    "switch",
    "servidor",
    "factura",
    "pedido",
    "albarán",
    "nómina",
    "cliente",
    "proveedor",
    "contrato",
    "informe",
    "excel",
    "pdf",
    "outlook",
    "teams",
    "office",
    "branch",
    "warehouse",
    "laptop",
    "phone",
    "printer",
    "screen",
    "keyboard",
    "mouse",
    "invoice",
    "order",
    "payslip",
    "customer",
    "supplier",
    "contract",
    "report",
    "urgent",
    "mañana",
    "tarde",
    "noche",
    "lunes",
    "viernes",
    "morning",
    "evening",
]

QUERIES = [
    "contraseña",
    "password",
    "fibra tardes",
    "fibre evening",
    "ERP cierre",
    "month-end close",
    "impresora Toledo",
    "FI-CLOSE-7781",
    "calendario compartido",
    "base de datos lenta",
    "centralita extensiones",
    "cuenta bloqueada",
    "router luz roja",
    "laptop charge",
    "exportar informe excel",
    "servidor ficheros",
    "Málaga portátil",
    "CRM cambios cliente",
    "sin conexión tienda",
    "shared calendar sync",
]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(target: int, batch: int) -> None:
    from django.db import connection, transaction

    from escala.demo.content import TEXTS
    from escala.people.models import Requester
    from escala.tickets.models import Ticket
    from escala.tiers.models import Category

    have = Ticket.objects.count()
    if have >= target:
        return
    subjects, bodies, cats = [], [], []
    codes = {c.code: c for c in Category.objects.all()}
    for code, by_lang in TEXTS.items():
        for pairs in by_lang.values():
            for subject, body in pairs:
                subjects.append(subject)
                bodies.append(body)
                cats.append(codes[code].pk)
    tiers = [codes[code].tier_id for code in TEXTS for pairs in TEXTS[code].values() for _ in pairs]
    teams = [codes[code].team_id for code in TEXTS for pairs in TEXTS[code].values() for _ in pairs]
    requesters = list(Requester.objects.values_list("pk", "organization_id"))
    req_ids = [r[0] for r in requesters]
    org_ids = [r[1] for r in requesters]
    started = time.monotonic()
    while have < target:
        n = min(batch, target - have)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH src AS (
                  SELECT g, 1 + floor(random() * %(nt)s)::int AS t,
                         1 + floor(random() * %(nr)s)::int AS r,
                         now() - (random() * interval '365 days') AS at
                    FROM generate_series(1, %(n)s) g
                ), ins AS (
                  INSERT INTO tickets_ticket (subject, requester_id, organization_id, channel,
                      status, impact, urgency, priority, category_id, tier_id, team_id,
                      vendor_case_number, created_at, updated_at, resolution_summary, version)
                  SELECT (%(subjects)s::text[])[t] || ' ' || (%(words)s::text[])[1 + g %% %(nw)s],
                         (%(req)s::bigint[])[r], (%(org)s::bigint[])[r], 'email',
                         CASE WHEN random() < 0.1 THEN 'open' ELSE 'closed' END,
                         'medium', 'medium', 'medium', (%(cats)s::bigint[])[t],
                         (%(tiers)s::bigint[])[t], (%(teams)s::bigint[])[t], '', at, at, '', 1
                    FROM src ORDER BY at
                  RETURNING id, subject, requester_id, created_at
                )
                INSERT INTO tickets_message (ticket_id, original_ticket_id, kind, author_kind,
                    author_name, body, channel, created_at)
                SELECT id, id, k.kind, 'agent', 'Escala',
                       CASE k.kind WHEN 'reply' THEN
                         (%(bodies)s::text[])[1 + (id %% %(nt)s)] || ' '
                         || (%(words)s::text[])[1 + (id * 7) %% %(nw)s] || ' ref-' || id
                       ELSE 'Nota interna ' || (%(words)s::text[])[1 + (id * 13) %% %(nw)s] END,
                       'email', created_at
                  FROM ins CROSS JOIN (VALUES ('reply'), ('reply'), ('note')) AS k(kind)
                """,
                {
                    "n": n,
                    "nt": len(subjects),
                    "nr": len(req_ids),
                    "nw": len(WORDS),
                    "subjects": subjects,
                    "bodies": bodies,
                    "cats": cats,
                    "tiers": tiers,
                    "teams": teams,
                    "req": req_ids,
                    "org": org_ids,
                    "words": WORDS,
                },
            )
        have += n
        rate = have / max(time.monotonic() - started, 0.001)
        print(f"\r  {have:,} tickets ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(
        f"{label:<38} n={len(samples):>4}  p50={statistics.median(ordered):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="Each query is run this many times.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created if missing).")
    ensure_database(url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from escala.knowledge.search import search_articles, search_tickets
    from escala.people.models import Agent, Requester

    call_command("migrate", verbosity=0)
    if not Agent.objects.exists():
        call_command("demo", tickets=0, verbosity=0)
    started = time.monotonic()
    fill(args.tickets, args.batch)
    print(f"Data ready in {time.monotonic() - started:,.0f} s")

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_message")
        messages = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('knowledge_ticket_search'))")
        size = cursor.fetchone()[0]
    print(f"PostgreSQL {connection.pg_version}: {tickets:,} tickets, {messages:,} messages, "
          f"search index {size}")  # fmt: skip

    User = get_user_model()
    supervisor = User.objects.get(username="sara")
    level1 = User.objects.get(username="lucia")
    manager = User.objects.get(username="carlos")
    rng = random.Random(7)
    busiest = (
        Requester.objects.exclude(user=None)
        .order_by("-tickets__id")
        .values_list("user_id", flat=True)
        .first()
    )
    requester = User.objects.get(pk=busiest)
    for query in QUERIES:  # warm the cache once, as a running server would be
        search_tickets(supervisor, query)
    roles = [
        ("search_tickets, supervisor (all tickets)", lambda q: search_tickets(supervisor, q)),
        (
            "search_tickets, supervisor, open only",
            lambda q: search_tickets(supervisor, q, {"status": "open"}),
        ),
        ("search_tickets, Level 1 agent", lambda q: search_tickets(level1, q)),
        ("search_tickets, customer manager (org)", lambda q: search_tickets(manager, q)),
        ("search_tickets, requester (own tickets)", lambda q: search_tickets(requester, q)),
        ("search_articles, agent", lambda q: search_articles(supervisor, q)),
    ]
    for label, run in roles:
        samples = []
        for _ in range(args.rounds):
            for query in rng.sample(QUERIES, len(QUERIES)):
                samples += timed(lambda q=query, run=run: run(q), 1)
        report(label, samples)


if __name__ == "__main__":
    main()
