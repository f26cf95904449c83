"""CPU of the outbox delivery task per mail: `deliver_outbox_many` (as the worker runs it for a
relayed batch's receipts) on pending rows of an existing bench database, to a dummy backend.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escala_bench_<you> \\
        .venv/bin/python bench/outbox_deliver.py [--rows 2000] [--batch 100]

Run bench/relay.py --sustained first (its receipts are the pending rows; the bench stops its
worker before they are all sent). This benchmark SENDS (marks sent) those rows. Printed: ms of
Python CPU and of the process's PostgreSQL backend per mail, never asserted.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import _cpu_seconds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escala.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection

    from escala.mail import delivery, outbound

    ids = delivery.due_outbox()[: args.rows]
    if not ids:
        sys.exit("No pending outbox rows: run bench/relay.py --sustained first.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")  # the server is local
    pg, cpu, began = _cpu_seconds(backend), time.process_time(), time.monotonic()
    results = []
    for start in range(0, len(ids), args.batch):
        results += outbound.deliver_outbox_many.call(ids[start : start + args.batch])
    cpu, pg = time.process_time() - cpu, _cpu_seconds(backend) - pg
    wall = time.monotonic() - began
    print(
        f"{len(ids)} rows in tasks of {args.batch}: {results.count('sent')} sent in {wall:.2f} s;"
        f" Python {cpu / len(ids) * 1000:.3f} ms CPU/mail,"
        f" PostgreSQL backend {pg / len(ids) * 1000:.3f} ms/mail"
    )


if __name__ == "__main__":
    main()
