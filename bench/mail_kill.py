"""Fault test: SIGKILL the pipe worker in the middle of a batch, start it again, and show every
mail was processed exactly once (no mail lost, no ticket or message twice).

    .venv/bin/python bench/mail_kill.py [--mails 2000] [--kill-after 400] [--jobs 1]

With --jobs N the pipe runs as `escala mail ingest --jobs N` (N processes, each sender domain in
one) and all of them are killed at once (the process group), then delivered again the same way.

The worker is killed once at least --kill-after mails are stored. Then, as an MTA would, the
whole batch is delivered again (the mails the dead worker had already stored are recognised
by their Message-ID), and `escala mail retry` processes anything left `received`.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _mailgen import write_corpus  # noqa: E402
from _pgdb import ESCALA, fresh_database, query  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--kill-after", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as tmp, fresh_database("escala_bench_mail_kill") as env:
        files = [str(p) for p in write_corpus(Path(tmp), args.mails, seed=11)]
        worker = subprocess.Popen(
            [ESCALA, "mail", "ingest", *jobs, *files], env=env, start_new_session=True
        )
        while worker.poll() is None:
            stored = query(env, "SELECT count(*) FROM mail_inboundmail")[0][0]
            if stored >= args.kill_after:
                break
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # with --jobs, its children too
        worker.wait()
        before = dict(query(env, "SELECT status, count(*) FROM mail_inboundmail GROUP BY 1"))
        print(f"killed with SIGKILL after {sum(before.values())} stored mails: {before}")

        subprocess.run([ESCALA, "mail", "ingest", *jobs, *files], env=env, check=True)
        subprocess.run([ESCALA, "mail", "retry"], env=env, check=True)
        # Events the killed process committed but did not relay wait in the queue: the worker
        # relays them (each once: the queue row goes with the listeners' writes).
        left_queued = query(env, "SELECT count(*) FROM tickets_queuedevent")[0][0]
        subprocess.run([ESCALA, "worker", "--batch"], env=env, check=True)
        queued = query(env, "SELECT count(*) FROM tickets_queuedevent")[0][0]
        without_facts = query(
            env,
            "SELECT count(*) FROM tickets_ticket t WHERE NOT EXISTS"
            " (SELECT 1 FROM reports_ticketfact f WHERE f.ticket_id = t.id)",
        )[0][0]
        without_clocks = query(
            env,
            "SELECT count(*) FROM tickets_ticket t WHERE NOT EXISTS"
            " (SELECT 1 FROM sla_ticketclock c WHERE c.ticket_id = t.id)",
        )[0][0]
        # The search index is written at each batch's commit: none missing, no mark left over.
        unindexed = query(
            env,
            "SELECT count(*) FROM tickets_ticket t WHERE NOT EXISTS"
            " (SELECT 1 FROM knowledge_ticket_search s WHERE s.ticket_id = t.id)",
        )[0][0]
        marks = query(env, "SELECT count(*) FROM knowledge_ticket_dirty")[0][0]

        status = dict(query(env, "SELECT status, count(*) FROM mail_inboundmail GROUP BY 1"))
        total = query(env, "SELECT count(*) FROM mail_inboundmail")[0][0]
        distinct = query(env, "SELECT count(DISTINCT message_id) FROM mail_inboundmail")[0][0]
        processed = status.get("processed", 0)
        filed = query(
            env,
            "SELECT count(*) FROM mail_inboundmail m JOIN tickets_message t "
            "ON t.id = m.filed_message_id",
        )[0][0]
        email_messages = query(
            env, "SELECT count(*) FROM tickets_message WHERE channel = 'email' AND kind = 'reply'"
        )[0][0]
        new_tickets = query(env, "SELECT count(*) FROM tickets_ticket")[0][0]
        by_outcome = dict(query(env, "SELECT outcome, count(*) FROM mail_inboundmail GROUP BY 1"))
    print(f"after restart: {total} mails stored ({distinct} distinct Message-IDs), {status}")
    print(f"outcomes: {by_outcome}")
    print(
        f"messages from mail: {email_messages}; mails filed with a message: {filed}; "
        f"tickets: {new_tickets} (new-ticket outcomes: {by_outcome.get('new_ticket', 0)})"
    )
    print(
        f"listeners: {left_queued} events were left queued, {queued} after the worker;"
        f" tickets without report facts: {without_facts}, without SLA clocks: {without_clocks}"
    )
    print(f"search: {unindexed} tickets not indexed, {marks} index marks left over")
    ok = (
        queued == without_facts == without_clocks == unindexed == marks == 0
        and total == distinct == args.mails
        and status.get("received", 0) == 0
        and email_messages == filed == processed
        and new_tickets == by_outcome.get("new_ticket", 0)
    )
    print("EXACTLY ONCE: yes" if ok else "EXACTLY ONCE: NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
