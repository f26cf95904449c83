"""Ingest N mails through the pipe path (`escala mail ingest --jobs 2 FILE...`: two ingest
processes, each sender domain's mails in one of them) into PostgreSQL while `escala worker`
relays their events; print mails/s end to end and the CPU per mail of each process.

    BENCH_DB_TAG=<you> .venv/bin/python bench/mail_ingest.py [--mails 10000] [--demo] [--auth]
        [--relay-workers 1] [--ingest-jobs 2]

End to end: the time runs from the ingest's start until it has exited AND no ticket event is
left queued, i.e. every mail stored, filed, its acknowledgement queued, and its ticket routed,
clocked and its report facts written by the relay (which the ingest leaves to the worker, as
the portal does: docs/decisions/0024). The acknowledgements' delivery tasks are left queued (the
relay workers take no tasks), as before: sending them is not measured.

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

Each reply of the corpus answers the mail that opened its ticket (In-Reply-To): the run counts
the replies filed on exactly that ticket, matched by Message-ID (the tickets' numbers depend on
how the ingest processes interleave).

The ingest's resident memory (its largest process) is sampled while it runs, to show it stays
flat. The CPU time per
mail of the ingest, of the relay workers and of the PostgreSQL backends of the bench database
(others' databases left out) is printed too: on a shared machine it varies far less than the
wall-clock rate. The database is made afresh for the run, named after BENCH_DB_TAG.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cpu import _cpu_seconds, backend_cpu_seconds  # noqa: E402
from _dns import TxtServer  # noqa: E402
from _mailgen import expected_replies, write_corpus  # noqa: E402
from _pgdb import ESCALA, SERVER, fresh_database, query  # noqa: E402


class BackendCpu:
    """CPU of the PostgreSQL backends serving one database, sampled while they live."""

    def __init__(self, database: str) -> None:
        import psycopg

        self.conn = psycopg.connect(SERVER, autocommit=True)  # its own backend is not counted
        self.database = database
        self.seen: dict[int, float] = {}

    def sample(self) -> None:
        pids = [
            r[0]
            for r in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
            )
        ]
        for pid, cpu in backend_cpu_seconds(pids).items():
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)

    def total(self) -> float:
        return sum(self.seen.values())

    def close(self) -> None:
        self.conn.close()


def _proc_cpu(pid: int) -> float:
    return _cpu_seconds(Path(f"/proc/{pid}/stat"))


def _rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_worker(env: dict, files: list[Path], relay_workers: int, query_env, jobs: int = 2) -> dict:
    """Run the pipe over all files while `relay_workers` `escala worker` processes relay the
    events it queues; sample the pipe's RSS as the stored count grows. The end is when the pipe
    has exited AND no event is left queued (every ticket routed, clocked, its facts written)."""
    relays = [
        subprocess.Popen(
            # Only the relay (and the periodic jobs): the acknowledgements' delivery tasks are
            # left queued, as before the relay moved here (their sending is not measured).
            [ESCALA, "worker", "--interval", "0.2", "--queue-name", "bench-nothing",
             "--worker-id", f"bench-relay-{n}"],
            env=env,
        )
        for n in range(relay_workers)
    ]  # fmt: skip
    time.sleep(4 if relays else 0)  # their start-up is not the ingest's
    relay_cpu = [_proc_cpu(r.pid) for r in relays]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [ESCALA, "mail", "ingest", "--jobs", str(jobs), *map(str, files)], env=env
    )
    samples = []
    peak_kib = 0
    # The server processes end with their clients: their CPU is read while they live (every
    # 0.5 s), only theirs (the backends of this database; other databases' work is left out).
    pg = BackendCpu(env["DATABASE_URL"].rsplit("/", 1)[1])
    ticks = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.5)
        pg.sample()
        ticks += 1
        if ticks % 4:
            continue
        try:
            # The largest of the ingest's processes (with --jobs, its children file the mail).
            rss_kib, hwm_kib = max(_rss_kib(p) for p in [proc.pid, *_children(proc.pid)])
            peak_kib = max(peak_kib, hwm_kib)  # the kernel's own peak RSS
        except (OSError, KeyError, ValueError):
            continue
        done = query_env("SELECT count(*) FROM mail_inboundmail WHERE status <> 'received'")[0][0]
        samples.append((done, rss_kib))
    ingested = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed with status {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime  # the pipe process and its children (--jobs)
    left = 0
    if relays:
        waited = time.perf_counter()
        while (left := query_env("SELECT count(*) FROM tickets_queuedevent")[0][0]) and (
            time.perf_counter() - waited < 300
        ):
            pg.sample()
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    pg.sample()
    relay_cpu = sum(_proc_cpu(r.pid) - before for r, before in zip(relays, relay_cpu, strict=True))
    for r in relays:
        r.terminate()
    for r in relays:
        r.wait(timeout=60)
    pg.close()
    return {
        "ingested": ingested,
        "elapsed": elapsed,
        "peak_kib": peak_kib,
        "samples": samples,
        "cpu": cpu,
        "relay_cpu": relay_cpu,
        "pg_cpu": pg.total(),
        "left": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--demo", action="store_true", help="Load the demo organization first.")
    parser.add_argument(
        "--auth", action="store_true", help="DKIM-signed mails, verified by the worker (strict)."
    )
    parser.add_argument(
        "--relay-workers",
        type=int,
        default=1,
        help="`escala worker` processes relaying the ingest's events meanwhile (0: none).",
    )
    parser.add_argument(
        "--ingest-jobs",
        type=int,
        default=2,
        help="Ingest processes (`escala mail ingest --jobs`), each sender domain in one.",
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
        # BENCH_DB_TAG (e.g. your name) keeps helpers sharing a server apart.
        tag = os.environ.get("BENCH_DB_TAG", "run")
        with fresh_database(f"escala_bench_mail_{tag}_{os.getpid()}") as env:
            env["ESCALA_MAIL_DOMAIN_FLOOD_LIMIT"] = "1000000"  # see the docstring
            if signer:
                env |= {"ESCALA_MAIL_SENDER_POLICY": "strict", "ESCALA_DNS_RESOLVER": dns.address}
            else:
                env["ESCALA_MAIL_SENDER_POLICY"] = "lenient"
            if args.demo:
                subprocess.run([ESCALA, "demo", "--tickets", "0", "-v0"], env=env, check=True)
            load_before = os.getloadavg()
            run = run_worker(
                env, files, args.relay_workers, lambda sql: query(env, sql), args.ingest_jobs
            )
            load_after = os.getloadavg()
            rows = dict(query(env, "SELECT status, count(*) FROM mail_inboundmail GROUP BY 1"))
            outcomes = dict(
                query(env, "SELECT outcome, count(*) FROM mail_inboundmail GROUP BY 1 ORDER BY 1")
            )
            tickets = query(env, "SELECT count(*) FROM tickets_ticket")[0][0]
            routed = query(
                env, "SELECT count(*) FROM tickets_ticket WHERE assignee_id IS NOT NULL"
            )[0][0]
            outbox = query(env, "SELECT count(*) FROM mail_outbox")[0][0]
            # What the events' listeners did (in the relay workers, or in the ingest process
            # itself where it relays its own): nothing may be left queued.
            queued = query(env, "SELECT count(*) FROM tickets_queuedevent")[0][0]
            clocks = query(env, "SELECT count(*) FROM sla_ticketclock")[0][0]
            facts = query(env, "SELECT count(*) FROM reports_ticketfact")[0][0]
            verdicts = dict(
                query(env, "SELECT auth_result, count(*) FROM mail_inboundmail GROUP BY 1")
            )
            questions = dns.questions
            filed = {
                mid: (ticket, outcome)
                for mid, ticket, outcome in query(
                    env, "SELECT message_id, ticket_id, outcome FROM mail_inboundmail"
                )
            }
        replies = expected_replies(files)
        threaded = sum(
            1
            for reply, opener in replies.items()
            if filed[reply][1] == "reply" and filed[reply][0] == filed[opener][0] is not None
        )
    n = args.mails
    print(
        f"mails: {n} stored and relayed in {run['elapsed']:.1f} s = {n / run['elapsed']:.0f}"
        f" mails/s end to end ({args.ingest_jobs} ingest process(es), {args.relay_workers} relay"
        " worker(s)); "
        f"the ingest alone took {run['ingested']:.1f} s = {n / run['ingested']:.0f} mails/s"
    )
    cpu, relay_cpu, pg_cpu = run["cpu"], run["relay_cpu"], run["pg_cpu"]
    print(
        f"CPU per mail: ingest {cpu * 1000 / n:.2f} ms (its process, start-up included), "
        f"relay workers {relay_cpu * 1000 / n:.2f} ms, PostgreSQL {pg_cpu * 1000 / n:.2f} ms "
        f"(the bench database's backends); total {(cpu + relay_cpu + pg_cpu) * 1000 / n:.2f} ms"
    )
    print(
        "load average before / after: "
        + " / ".join(", ".join(f"{x:.2f}" for x in la) for la in (load_before, load_after))
    )
    print(
        f"outcomes: {rows} {outcomes}; tickets: {tickets} ({routed} routed to an agent); "
        f"notifications queued: {outbox}"
    )
    print(
        f"listeners: {queued} events left queued ({run['left']} when the wait ended); "
        f"{clocks} SLA clocks, {facts} report facts"
    )
    print(
        f"replies filed on the ticket of the mail they answer (by Message-ID): "
        f"{threaded} of {len(replies)}"
    )
    print(
        f"sender checks: {'DKIM verified, strict' if args.auth else 'off (lenient)'}; "
        f"verdicts: {verdicts}; DNS questions the worker asked: {questions}"
    )
    print(f"peak RSS of the ingest process: {run['peak_kib'] / 1024:.0f} MiB")
    marks = [s for s in run["samples"] if s[0] > 0]
    step = max(1, len(marks) // 8)
    print(
        "RSS while it ran (mails done: MiB): "
        + ", ".join(f"{done}: {rss / 1024:.0f}" for done, rss in marks[::step] + marks[-1:])
    )


if __name__ == "__main__":
    main()
