"""Ingest N mails through the pipe path (`escala mail ingest FILE...`, one worker process) into
PostgreSQL; print mails/s and the worker's peak memory.

    .venv/bin/python bench/mail_ingest.py [--mails 10000] [--demo] [--auth]

By default the database holds only what the migrations create (the four levels, no teams):
the mails' tickets wait in Level 1's queue. With --demo it holds the demo organization first
(`escala demo --tickets 0`: teams, agents, SLA policies, triggers), so every ticket is also
routed to an agent and the triggers run, as they would in a help desk in use.

With --auth every mail is DKIM-signed (a 2048-bit RSA key per sender domain, and a DMARC
p=reject policy each) and the worker verifies it as in production (ESCALA_MAIL_SENDER_POLICY
strict), asking a name server the benchmark runs on 127.0.0.1 (ESCALA_DNS_RESOLVER), whose
answers the worker caches. Without it the mails are unsigned and taken from anyone (lenient).

The corpus (`_mailgen`) is what a help desk in use receives: new requests from many senders
(most get their acknowledgement), replies of requesters filed on their own tickets, HTML and
attachments now and then, a few auto-replies. It compresses hours of mail into a minute, so the
per-domain flood limit (20 new tickets per domain in 10 minutes by default, for 20 domains here)
is raised for the run: otherwise all but the first 400 acknowledgements would be held back and
each mail would open an admin alert instead, a flood's path, not the normal one measured here.

The worker's resident memory is sampled while it runs, to show it stays flat. Its CPU time per
mail is printed too: on a shared machine it varies far less than the wall-clock rate.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import postgres_cpu_seconds  # noqa: E402
from _dns import TxtServer  # noqa: E402
from _mailgen import write_corpus  # noqa: E402
from _pgdb import ESCALA, fresh_database, query  # noqa: E402


def run_worker(env: dict, files: list[Path], total: int, query_env) -> tuple:
    """Run the pipe over all files; sample the worker's RSS as the stored count grows."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([ESCALA, "mail", "ingest", *map(str, files)], env=env)
    samples = []
    peak_kib = 0
    # The worker's server process ends with it: its CPU is read while it lives (every 0.5 s).
    pg_start = pg_last = postgres_cpu_seconds()
    ticks = 0
    while proc.poll() is None:
        time.sleep(0.5)
        pg_last = max(pg_last, postgres_cpu_seconds())
        ticks += 1
        if ticks % 4:
            continue
        try:
            fields = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
            )
            rss_kib = int(fields["VmRSS"].split()[0])
            peak_kib = int(fields["VmHWM"].split()[0])  # the kernel's own peak RSS
        except (OSError, KeyError, ValueError):
            continue
        done = query_env("SELECT count(*) FROM mail_inboundmail WHERE status <> 'received'")[0][0]
        samples.append((done, rss_kib))
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, None):
        raise SystemExit(f"ingest failed with status {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, peak_kib, samples, cpu, pg_last - pg_start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--demo", action="store_true", help="Load the demo organization first.")
    parser.add_argument(
        "--auth", action="store_true", help="DKIM-signed mails, verified by the worker (strict)."
    )
    args = parser.parse_args()
    signer = None
    if args.auth:
        from _dkim import Signer

        signer = Signer([f"cliente{n}.example" for n in range(20)])  # _mailgen's domains
    with (
        tempfile.TemporaryDirectory() as tmp,
        TxtServer(signer.records if signer else {}) as dns,
    ):
        started = time.perf_counter()
        files = write_corpus(Path(tmp), args.mails, sign=signer)
        if signer:
            print(f"signed {args.mails} mails in {time.perf_counter() - started:.1f} s")
        # Named per run: two benchmarks on one server never drop each other's database.
        with fresh_database(f"escala_bench_mail_{os.getpid()}") as env:
            env["ESCALA_MAIL_DOMAIN_FLOOD_LIMIT"] = "1000000"  # see the docstring
            if signer:
                env |= {"ESCALA_MAIL_SENDER_POLICY": "strict", "ESCALA_DNS_RESOLVER": dns.address}
            else:
                env["ESCALA_MAIL_SENDER_POLICY"] = "lenient"
            if args.demo:
                subprocess.run([ESCALA, "demo", "--tickets", "0", "-v0"], env=env, check=True)
            load_before = os.getloadavg()
            elapsed, peak, samples, cpu, pg_cpu = run_worker(
                env, files, args.mails, lambda sql: query(env, sql)
            )
            load_after = os.getloadavg()
            rows = dict(query(env, "SELECT status, count(*) FROM mail_inboundmail GROUP BY 1"))
            tickets = query(env, "SELECT count(*) FROM tickets_ticket")[0][0]
            routed = query(
                env, "SELECT count(*) FROM tickets_ticket WHERE assignee_id IS NOT NULL"
            )[0][0]
            outbox = query(env, "SELECT count(*) FROM mail_outbox")[0][0]
            # What the events' listeners did (they run in the ingest process, after each batch's
            # commit): nothing may be left queued for a worker that this benchmark never starts.
            queued = query(env, "SELECT count(*) FROM tickets_queuedevent")[0][0]
            clocks = query(env, "SELECT count(*) FROM sla_ticketclock")[0][0]
            facts = query(env, "SELECT count(*) FROM reports_ticketfact")[0][0]
            verdicts = dict(
                query(env, "SELECT auth_result, count(*) FROM mail_inboundmail GROUP BY 1")
            )
            questions = dns.questions
    print(f"mails: {args.mails} in {elapsed:.1f} s = {args.mails / elapsed:.0f} mails/s (1 worker)")
    print(
        f"worker CPU: {cpu:.1f} s = {cpu * 1000 / args.mails:.1f} ms per mail "
        "(the worker process alone)"
    )
    print(
        f"PostgreSQL CPU: {pg_cpu:.1f} s = {pg_cpu * 1000 / args.mails:.1f} ms per mail "
        "(all its processes, up to the worker's last 0.5 s)"
    )
    print(
        "load average before / after: "
        + " / ".join(", ".join(f"{x:.2f}" for x in la) for la in (load_before, load_after))
    )
    print(
        f"outcomes: {rows}; tickets: {tickets} ({routed} routed to an agent); "
        f"notifications queued: {outbox}"
    )
    print(f"listeners: {queued} events left queued; {clocks} SLA clocks, {facts} report facts")
    print(
        f"sender checks: {'DKIM verified, strict' if args.auth else 'off (lenient)'}; "
        f"verdicts: {verdicts}; DNS questions the worker asked: {questions}"
    )
    print(f"peak RSS of the worker: {peak / 1024:.0f} MiB")
    marks = [s for s in samples if s[0] > 0]
    step = max(1, len(marks) // 8)
    print(
        "RSS while it ran (mails done: MiB): "
        + ", ".join(f"{done}: {rss / 1024:.0f}" for done, rss in marks[::step] + marks[-1:])
    )


if __name__ == "__main__":
    main()
