"""Multiply the tickets of a PostgreSQL demo database (with their events and SLA clocks) so the
sweep can be timed at a size the demo generator would take hours to reach. Prints what it did.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench .venv/bin/python \\
        bench/sla_scale_up.py --times 5

Copies are exact replicas of the originals' rows (same dates, statuses and histories) with new
ids; parent/merge links are dropped. Messages, stays and attachments are not copied: the sweep
reads tickets, events and clocks only.
"""

import argparse
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from escala.sla.models import TicketClock  # noqa: E402
from escala.tickets.models import Ticket, TicketEvent  # noqa: E402


def columns(model, *, skip: tuple[str, ...] = ()) -> list[str]:  # noqa: ANN001
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--times", type=int, default=5, help="Total size as a multiple.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only")
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT max(id), count(*) FROM tickets_ticket")
        max_id, count = cur.fetchone()
    tcols = columns(Ticket, skip=("id", "parent_id", "merged_into_id"))
    ecols = columns(TicketEvent, skip=("id", "ticket_id"))
    ccols = columns(TicketClock, skip=("id", "ticket_id"))
    for k in range(1, args.times):
        offset = k * max_id
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO tickets_ticket (id, {', '.join(tcols)}) "  # noqa: S608
                f"SELECT id + %s, {', '.join(tcols)} FROM tickets_ticket WHERE id <= %s",
                [offset, max_id],
            )
            cur.execute(
                f"INSERT INTO tickets_ticketevent (ticket_id, {', '.join(ecols)}) "  # noqa: S608
                f"SELECT ticket_id + %s, {', '.join(ecols)} FROM tickets_ticketevent "
                "WHERE ticket_id <= %s",
                [offset, max_id],
            )
            cur.execute(
                f"INSERT INTO sla_ticketclock (ticket_id, {', '.join(ccols)}) "  # noqa: S608
                f"SELECT ticket_id + %s, {', '.join(ccols)} FROM sla_ticketclock "
                "WHERE ticket_id <= %s",
                [offset, max_id],
            )
        print(f"copy {k}: {count * (k + 1)} tickets ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), "
            "(SELECT max(id) FROM tickets_ticket))"
        )
        cur.execute("ANALYZE tickets_ticket; ANALYZE tickets_ticketevent; ANALYZE sla_ticketclock")
    print(
        f"tickets: {Ticket.objects.count()}  events: {TicketEvent.objects.count()}  "
        f"clocks: {TicketClock.objects.count()}  in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
