"""Ingest N mails through the pipe path (`escala mail ingest FILE...`, one worker process) into
PostgreSQL; print mails/s and the worker's peak memory.

    .venv/bin/python bench/mail_ingest.py [--mails 10000]

Memory is measured at two sizes (a tenth of the run, then the whole run) to show it stays flat.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _mailgen import write_corpus  # noqa: E402
from _pgdb import ESCALA, fresh_database, query  # noqa: E402


def run_worker(env: dict, files: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen([ESCALA, "mail", "ingest", *map(str, files)], env=env)
    _pid, status, usage = os_wait4(proc.pid)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"ingest failed with status {status}")
    return elapsed, usage.ru_maxrss  # KiB on Linux


def os_wait4(pid: int):
    import os

    return os.wait4(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_corpus(Path(tmp), args.mails)
        small = files[: max(1, args.mails // 10)]
        with fresh_database("escala_bench_mail_small") as env:
            t_small, rss_small = run_worker(env, small)
        with fresh_database("escala_bench_mail") as env:
            elapsed, rss = run_worker(env, files)
            rows = dict(query(env, "SELECT status, count(*) FROM mail_inboundmail GROUP BY 1"))
            tickets = query(env, "SELECT count(*) FROM tickets_ticket")[0][0]
            outbox = query(env, "SELECT count(*) FROM mail_outbox")[0][0]
    print(f"mails: {args.mails} in {elapsed:.1f} s = {args.mails / elapsed:.0f} mails/s (1 worker)")
    print(f"outcomes: {rows}; tickets: {tickets}; notifications queued: {outbox}")
    print(
        f"peak RSS: {rss / 1024:.0f} MiB for {args.mails} mails, "
        f"{rss_small / 1024:.0f} MiB for {len(small)} mails ({len(small) / t_small:.0f} mails/s)"
    )
    _ = resource  # getrusage of children is what os.wait4 returns


if __name__ == "__main__":
    main()
