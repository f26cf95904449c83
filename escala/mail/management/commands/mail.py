"""`escala mail ingest|serve|retry|poll|move-raw|raw-orphans`: the ways mail comes in, the retry
of what failed, moving an installation's raw mail out of the database and back, and the objects
of the raw-mail storage no mail names (rawstore.py).

`escala mail ingest [FILE...]` is the pipe for an MTA (standard input when no file is given). It
exits 75 (EX_TEMPFAIL) when the database or the raw-mail storage cannot be reached (a server
down, an SQLite file that cannot be opened or written, a bucket out of reach), so the mail
server keeps the mail and tries again; a mail that is stored but cannot be processed is
quarantined and exits 0. A mail larger than
ESCALA_MAIL_MAX_RAW_BYTES is refused: standard input is read only up to the limit, the reason
goes to standard error (the MTA puts it in its bounce) and the exit status is 65 (EX_DATAERR, a
permanent failure: the sender is told).
"""

import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

EX_DATAERR = 65
EX_TEMPFAIL = 75
# Files stored, then processed, per transaction. Each batch has fixed costs (two commits, its
# relay, the SLA calendars): 200 spreads them; 400 measured no faster and took more memory.
BATCH = 200


class TooLarge(Exception):  # noqa: N818
    pass


class Command(BaseCommand):
    help = "Mail in and out: ingest (pipe), serve (SMTP/LMTP), poll (IMAP), retry."
    # The system checks open the database (JSON field support): a pipe must answer 75, not a
    # traceback, when it cannot. `escala check` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):  # noqa: ANN001
        sub = parser.add_subparsers(dest="subcommand", required=True)
        ingest = sub.add_parser("ingest", help="Ingest raw mails from files or standard input.")
        ingest.add_argument("files", nargs="*")
        ingest.add_argument("--mailbox", help="Name of the mailbox the mail was delivered to.")
        ingest.add_argument("--sender", help="Envelope sender, as the MTA gives it.")
        ingest.add_argument("--recipient", action="append", default=[])
        ingest.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes filing the files at once, each sender domain's mails in one "
            "(escala/mail/parallel.py). Standard input is always one.",
        )
        serve = sub.add_parser("serve", help="Listen for mail by SMTP (or LMTP).")
        serve.add_argument("--host", default=None)
        serve.add_argument("--port", type=int, default=None)
        serve.add_argument("--lmtp", action="store_true")
        serve.add_argument("--mailbox")
        retry = sub.add_parser("retry", help="Process stored mail again; send due outbox mail.")
        retry.add_argument("ids", nargs="*", type=int, help="Quarantined mails to re-process.")
        retry.add_argument("--all-quarantined", action="store_true")
        poll = sub.add_parser("poll", help="Fetch mail from the IMAP mailboxes.")
        poll.add_argument("--mailbox", action="append", default=[])
        poll.add_argument("--loop", action="store_true", help="Keep polling.")
        poll.add_argument("--interval", type=float, default=60.0)
        move = sub.add_parser(
            "move-raw",
            help="Move the raw mail kept in the database to the raw-mail storage "
            "(resumable: run it again after an interruption).",
        )
        way = move.add_mutually_exclusive_group(required=True)
        way.add_argument(
            "--to-storage",
            action="store_true",
            help="Move to STORAGES['rawmail'] (set ESCALA_RAW_MAIL_STORE=storage first).",
        )
        way.add_argument(
            "--to-database",
            action="store_true",
            help="Move back into the rows (set ESCALA_RAW_MAIL_STORE=database first).",
        )
        move.add_argument("--batch", type=int, default=200, help="Rows per transaction.")
        move.add_argument("--limit", type=int, default=None, help="Stop after this many mails.")
        orphans = sub.add_parser(
            "raw-orphans",
            help="List (or --delete) the objects of the raw-mail storage no stored mail names.",
        )
        orphans.add_argument("--delete", action="store_true", help="Delete them.")
        orphans.add_argument(
            "--grace-days",
            type=float,
            default=7.0,
            help="Leave alone what changed more recently (default 7: a sender's retries).",
        )

    def handle(self, *args, subcommand: str, **options) -> None:
        getattr(self, f"_{subcommand.replace('-', '_')}")(**options)

    # --- ingest -------------------------------------------------------------------------------

    def _ingest(self, files, mailbox, sender, recipient, **options) -> None:
        try:
            self._ingest_all(files, mailbox, sender, recipient, **options)
        except DatabaseError as exc:
            self._tempfail(exc)

    def _ingest_all(self, files, mailbox, sender, recipient, jobs=1, **options) -> None:
        from escala.mail import parallel

        try:
            box = self._mailbox(mailbox)
        except DatabaseError as exc:
            self._tempfail(exc)
        where = {"mailbox": box, "envelope_from": sender or "", "envelope_to": recipient}
        sources = files or ["-"]
        if jobs > 1 and len(files) > 1:
            parts = parallel.partition(files, jobs)
            counts, status = parallel.run_forked(
                parts, lambda part: self._ingest_guarded(part, where)
            )
            if status:
                sys.exit(status)
        else:
            counts = self._ingest_files(sources, where)
        refused = counts.pop("refused", 0)
        if options.get("verbosity", 1) > 1 or len(sources) > 1:
            summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            self.stdout.write(summary)
        if refused:
            sys.exit(EX_DATAERR)

    def _ingest_guarded(self, sources: list[str], where: dict) -> dict[str, int]:
        try:
            return self._ingest_files(sources, where)
        except DatabaseError as exc:
            self._tempfail(exc)
            raise  # never reached: _tempfail exits

    def _ingest_files(self, sources: list[str], where: dict) -> dict[str, int]:
        """Store and file `sources` in batches, in order; the mails' statuses counted (and
        "refused": the files too large to store)."""
        from django.conf import settings

        from escala.mail import ingest

        limit = settings.ESCALA_MAIL_MAX_RAW_BYTES
        counts: dict[str, int] = {}
        for start in range(0, len(sources), BATCH):
            raws = []
            for name in sources[start : start + BATCH]:
                try:
                    raws.append(_read(name, limit))
                except TooLarge as exc:
                    counts["refused"] = counts.get("refused", 0) + 1
                    self.stderr.write(str(exc))
            if not raws:
                continue
            try:
                # Stored (and committed) before anything is parsed.
                ids, parsed = ingest.store_and_parse(raws, **where)
            except DatabaseError as exc:
                self._tempfail(exc)
            try:
                mails = ingest.process_batch_again(ids, raws, parsed, **where)
            except DatabaseError:
                # Mail by mail instead: what still fails stays stored, and `escala mail retry`
                # (or the next ingest) processes it later.
                mails = []
                for pk in ids:
                    try:
                        mails.append(ingest.process(pk))
                    except DatabaseError:
                        continue
            for mail in mails:
                counts[mail.status] = counts.get(mail.status, 0) + 1
        return counts

    def _tempfail(self, exc: Exception) -> None:
        from escala.mail.rawstore import Unavailable

        what = "raw mail storage" if isinstance(exc, Unavailable) else "database"
        self.stderr.write(f"escala mail: {what} unavailable, try again later ({exc})")
        sys.exit(EX_TEMPFAIL)

    def _mailbox(self, name):
        from escala.mail.models import Mailbox

        if not name:
            return None
        box = Mailbox.objects.filter(name=name).first()
        if box is None:
            raise CommandError(f"No mailbox named {name!r}.")
        return box

    # --- retry --------------------------------------------------------------------------------

    def _retry(self, ids, all_quarantined, **options) -> None:
        from escala.mail import delivery, ingest
        from escala.mail.choices import InboundStatus
        from escala.mail.models import InboundMail

        done = 0
        for pk in ingest.pending():
            ingest.process(pk)
            done += 1
        targets = list(ids)
        if all_quarantined:
            targets += list(
                InboundMail.objects.filter(status=InboundStatus.QUARANTINED).values_list(
                    "pk", flat=True
                )
            )
        for pk in targets:
            mail = ingest.process(pk, force=True)
            self.stdout.write(f"mail {pk}: {mail.status} {mail.outcome} {mail.reason[:80]}")
        sent = delivery.drain()
        self.stdout.write(
            f"processed {done} waiting mails, re-processed {len(targets)}, "
            f"outbox: {sent.count('sent')} sent, {sent.count('failed')} failed"
        )

    # --- move-raw -----------------------------------------------------------------------------

    def _move_raw(self, to_storage, to_database, batch, limit, **options) -> None:
        from escala.mail import rawstore

        if batch < 1 or (limit is not None and limit < 1):
            raise CommandError("--batch and --limit must be positive.")
        if to_database:
            self._move_raw_back(batch, limit)
            return
        if not rawstore.to_storage():
            raise CommandError(
                "New mail would still be kept in the database: set ESCALA_RAW_MAIL_STORE=storage "
                "(or configure ESCALA_S3_BUCKET) before moving the raw mail to the storage."
            )
        try:
            done = rawstore.move_to_storage(batch=batch, limit=limit, say=self.stdout.write)
        except rawstore.Unavailable as exc:
            raise CommandError(f"{exc}. Nothing is lost: run the command again later.") from exc
        self.stdout.write(
            f"moved {done['moved']} raw mails ({done['bytes']} bytes) to the storage; "
            f"{done['skipped']} left alone (changed meanwhile)"
        )

    def _move_raw_back(self, batch, limit) -> None:
        from escala.mail import rawstore

        if rawstore.to_storage():
            raise CommandError(
                "New mail would still go to the raw-mail storage: set "
                "ESCALA_RAW_MAIL_STORE=database before moving the raw mail into the database."
            )
        try:
            done = rawstore.move_to_database(batch=batch, limit=limit, say=self.stdout.write)
        except rawstore.Unavailable as exc:
            raise CommandError(f"{exc}. Nothing is lost: run the command again later.") from exc
        self.stdout.write(
            f"moved {done['moved']} raw mails ({done['bytes']} bytes) into the database; "
            f"{done['skipped']} left alone (changed meanwhile)"
        )
        if done["damaged"]:
            self.stderr.write(
                f"{done['damaged']} raw mails were not moved: their object is missing or does "
                "not match its SHA-256 (see the log); their rows still name them."
            )

    def _raw_orphans(self, delete, grace_days, **options) -> None:
        from datetime import timedelta

        from escala.mail import rawstore

        if grace_days < 1:
            # A mail being stored writes its object just before its row: never that close.
            raise CommandError("--grace-days must be at least 1.")
        try:
            found = rawstore.find_orphans(delete=delete, grace=timedelta(days=grace_days))
        except rawstore.Unavailable as exc:
            raise CommandError(f"{exc}. Run the command again later.") from exc
        for name in found.found:
            self.stdout.write(name)
        if delete:
            summary = f"deleted {found.deleted} orphan objects ({found.bytes} bytes)"
        else:
            summary = f"{len(found.found)} orphan objects (run with --delete to delete them)"
        self.stdout.write(
            f"{summary}; {found.recent} unnamed but newer than {grace_days:g} days left alone"
        )

    # --- serve --------------------------------------------------------------------------------

    def _serve(self, host, port, lmtp, mailbox, **options) -> None:
        from django.conf import settings

        from escala.mail.smtp_server import serve

        box = self._mailbox(mailbox)
        serve(
            host=host or settings.ESCALA_MAIL_SMTP_HOST,
            port=port or settings.ESCALA_MAIL_SMTP_PORT,
            lmtp=lmtp,
            mailbox=box,
            log=self.stdout.write,
        )

    # --- poll ---------------------------------------------------------------------------------

    def _poll(self, mailbox, loop, interval, **options) -> None:
        from escala.mail.imap import poll_all

        while True:
            close_old_connections()
            for line in poll_all(names=mailbox or None):
                self.stdout.write(line)
            if not loop:
                return
            time.sleep(interval)


def _read(name: str, limit: int) -> bytes:
    """The mail in `name` ("-": standard input), read no further than `limit` + 1 bytes."""
    if name == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(_too_large("", limit))
        return data
    with open(name, "rb") as fh:
        if os.fstat(fh.fileno()).st_size > limit:
            raise TooLarge(_too_large(name, limit))
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_too_large(name, limit))
    return data


def _too_large(name: str, limit: int) -> str:
    where = f"{name}: " if name else ""
    return (
        f"escala mail: {where}message too large: the limit is {limit} bytes "
        f"({limit // (1024 * 1024)} MB; ESCALA_MAIL_MAX_RAW_BYTES). 5.3.4 Message not accepted."
    )
