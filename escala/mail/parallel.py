"""Several ingest processes over one set of mails (`escala mail ingest --jobs N FILE...`), each
sender domain's mails all in one of them, in the order given.

Why by domain: what one mail decides depends on the mails before it from the same sender or
domain, counted in the batch's memory and in rows written at its commit: the sender's rate
limit, one acknowledgement per sender per window, the domain's flood limit, and a reply that
answers a ticket its sender opened a moment earlier (found by its Message-ID only once that
mail is filed). Two processes sharing a sender would each count without the other's batch, not
yet committed: a second receipt, a limit passed by a batch's worth, a reply opening a ticket of
its own. With each domain in one process, each of those is decided exactly as by one process;
what the processes share is written without a counter row (ticket ids are a sequence, a
requester is a sender's, hence a domain's), and a ticket both touch (a reply from another
domain) is claimed without waiting (`thread_match.claim`), as with the worker's relay.

Mails from independent deliveries (an MTA starting one pipe per mail, the SMTP listener, IMAP)
are not partitioned: they run concurrently as before (decision 0024's addendum)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

from .limits import domain_of
from .parse import _header_block, _header_end, _mailboxes

HEAD_BYTES = 65536  # the header block is read from the file's start only


def sender_domain(head: bytes) -> str:
    """The From domain of a mail, from its first bytes ("" when it has none readable). Read
    as the parser reads it (`parse._mailboxes`), so a mail lands where its sender is counted."""
    headers = _header_block(head, _header_end(head))
    if headers is None:
        return ""
    try:
        found = _mailboxes(headers.get_all("From") or [])
    except Exception:  # noqa: BLE001  (an unreadable From: any process will do)
        return ""
    return domain_of(found[0].address) if found else ""


def _head(name: str) -> bytes:
    try:
        with open(name, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""  # the process that gets it reports it, as one process would


def partition(names: list[str], jobs: int, domain_of_file=None) -> list[list[str]]:  # noqa: ANN001
    """`names` in `jobs` lists: each domain's files in one list, in their order; the largest
    domains first, each to the list with the fewest files so far (balanced, deterministic).
    Empty lists are dropped."""
    read = domain_of_file or (lambda name: sender_domain(_head(name)))
    by_domain: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        by_domain.setdefault(read(name), []).append(index)
    parts: list[list[int]] = [[] for _ in range(max(1, jobs))]
    for _domain, indexes in sorted(by_domain.items(), key=lambda item: (-len(item[1]), item[0])):
        min(parts, key=len).extend(indexes)
    return [[names[i] for i in sorted(part)] for part in parts if part]


def run_forked(parts: list[list[str]], run: Callable[[list[str]], dict]) -> tuple[dict, int]:
    """`run(part)` in a child process per part, all at once; returns the sum of the counts
    they return and the worst exit status (a temporary failure of one: the MTA retries the
    set, and what was stored already is recognized, never stored twice). The database
    connections are closed first: each child opens its own."""
    from django.db import connections

    connections.close_all()
    sys.stdout.flush()  # else a child would write what the parent had buffered again
    sys.stderr.flush()
    children = []
    for part in parts:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(part, run, write_end)
        os.close(write_end)
        children.append((pid, read_end))
    counts: dict[str, int] = {}
    worst = 0
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as fh:
            data = fh.read()
        _pid, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code and worst != 75:  # noqa: PLR2004  (EX_TEMPFAIL wins: the MTA tries again)
            worst = code
        for key, value in (json.loads(data) if data else {}).items():
            counts[key] = counts.get(key, 0) + value
    return counts, worst


def _child(part: list[str], run: Callable[[list[str]], dict], write_end: int) -> None:
    code = 1
    try:
        counts = run(part)
        os.write(write_end, json.dumps(counts).encode())
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001  (reported, and the child exits with it)
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        from django.db import connections

        connections.close_all()
        os._exit(code)
