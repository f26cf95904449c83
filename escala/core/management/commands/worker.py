"""`escala worker`: runs background tasks from the database queue AND the periodic jobs.

One process does both, so a single machine needs nothing else. Many workers may share one
PostgreSQL database: django-tasks-db hands each task to one worker (row lock, skip locked), and
each periodic job runs once per period (the PeriodicJobRun lease, see escala/core/periodic.py).

A task that raises is retried with exponential backoff (ESCALA_TASK_MAX_ATTEMPTS attempts,
ESCALA_TASK_RETRY_SECONDS doubled each time); after the last attempt it stays FAILED, with its
traceback, in the admin (Tasks › DB task results, filter by status).
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from escala.core import periodic
from escala.ops import heartbeat

log = logging.getLogger("escala.worker")
# Events relayed per transaction: big enough for the listeners' batch queries (SLA clocks, report
# facts) to pay off, small enough to keep locks and memory short.
RELAY_BATCH = 100
# Seconds of tasks (mail deliveries...) a tick runs before it relays newly queued events again.
RELAY_BETWEEN_TASKS = 0.25


def max_attempts() -> int:
    return getattr(settings, "ESCALA_TASK_MAX_ATTEMPTS", 5)


def backoff(attempt: int) -> timedelta:
    base = getattr(settings, "ESCALA_TASK_RETRY_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 6 * 3600))


class EscalaWorker(Worker):
    """django-tasks-db's worker plus periodic jobs and retries."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.tried: dict = {}

    def next_task(self) -> tuple[bool, DBTaskResult | None]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as e:
                if is_locked_database_exception(e):
                    return False, None
                raise
        return True, task_result

    def tick(self) -> int:
        """Run due periodic jobs, relay committed ticket events, then run every ready task; return
        how many events and tasks were handled (0: idle, the worker may sleep)."""
        self.refresh_connections()
        try:
            heartbeat.beat(self.worker_id)  # /readyz on every app server sees this worker
        except OperationalError:
            log.exception("Could not record the worker's heartbeat")
        try:
            periodic.run_due(self.worker_id, tried=self.tried)
        except OperationalError:
            log.exception("Periodic jobs could not be claimed; trying again next tick")
        ran = self.relay_events()
        relayed_at = time.monotonic()
        while self.running:
            if time.monotonic() - relayed_at >= RELAY_BETWEEN_TASKS:
                # Events keep coming while tasks run (a burst's receipts to deliver): relayed
                # between them, so a long queue of tasks never holds routing and clocks back.
                ran += self.relay_events()
                relayed_at = time.monotonic()
            fetched, task_result = self.next_task()
            if task_result is None:
                if fetched:
                    break
                continue
            self.run_task(task_result)
            ran += 1
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                self.running = False
        self.refresh_connections()
        return ran

    def relay_events(self) -> int:
        """Run the listeners of the ticket events committed since the last tick, in batches."""
        from escala.tickets import events

        ran = 0
        while self.running:
            try:
                done = events.relay(limit=RELAY_BATCH)
            except OperationalError:
                log.exception("Ticket events could not be relayed; trying again next tick")
                break
            ran += done
            if done < RELAY_BATCH:
                break
        return ran

    @staticmethod
    def refresh_connections() -> None:
        # Drop dropped/expired connections between ticks, as Django does between requests;
        # never inside an open transaction (a test's, or a caller's).
        if not connection.in_atomic_block:
            close_old_connections()

    def run(self) -> None:
        log.info("Starting worker %s", self.worker_id)
        try:
            while self.running:
                busy = self.tick()
                if self.batch and not busy:
                    return  # --batch: until nothing is left (tasks' events, events' tasks)
                if self.running and not busy:
                    from escala.tickets import events

                    events.wait_for_events(self.interval)  # a page's events wake it at once
        finally:
            if not self.batch:
                try:
                    heartbeat.stop(self.worker_id)
                except OperationalError:
                    log.warning("Could not remove the worker's heartbeat")

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        db_task_result.refresh_from_db(fields=["status", "worker_ids"])
        attempts = len(db_task_result.worker_ids)
        if db_task_result.status == TaskResultStatus.FAILED and attempts < max_attempts():
            # Back in the queue for a later attempt; the last error stays visible meanwhile.
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(
                status=TaskResultStatus.READY,
                run_after=timezone.now() + backoff(attempts),
                finished_at=None,
            )
            log.warning(
                "Task %s failed (attempt %d of %d); retrying later",
                db_task_result.task_path,
                attempts,
                max_attempts(),
            )


def register_mail_polling() -> None:
    """Poll the IMAP mailboxes (none configured: nothing to do) as a periodic job, unless the
    mail app registered its own."""
    try:
        from escala.mail.imap import poll_all
    except ImportError:
        return
    if any(job.name == "mail.poll" for job in periodic.jobs()):
        return
    every = timedelta(seconds=getattr(settings, "ESCALA_MAIL_POLL_SECONDS", 60))
    periodic.periodic("mail.poll", every=every)(lambda now: poll_all())


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and periodic jobs (SLA sweep, mail polling)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument(
            "--batch", action="store_true", help="Run due jobs and queued tasks, then exit."
        )
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--queue-name", default="*")
        parser.add_argument("--worker-id", default="")

    def handle(self, *args, batch: bool, interval: float, queue_name: str, worker_id: str, **o):
        register_mail_polling()
        worker = EscalaWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()
        worker.run()
