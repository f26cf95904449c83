"""Liveness and readiness.

/healthz answers as long as the process serves requests (nothing else: a liveness probe that
fails when the database does would restart every app server at once). /readyz says whether this
server should get traffic: the database answers, every migration is applied, some worker's
heartbeat is recent, and neither the event backlog nor the task queue has run away.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from escala.tickets.models import QueuedEvent

from . import heartbeat


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    value: float | int | None = None


_migrated = False  # once every migration is applied, this process need not look again


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check(True, "reachable")


def check_migrations() -> Check:
    global _migrated  # noqa: PLW0603
    if _migrated:
        return Check(True, "applied")
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Check(False, f"{len(plan)} unapplied", len(plan))
    _migrated = True
    return Check(True, "applied")


def check_worker() -> Check:
    limit = settings.ESCALA_READY_WORKER_SECONDS
    if limit <= 0:
        return Check(True, "not required")
    age = heartbeat.freshest_age()
    if age is None:
        return Check(False, "no worker has ever reported")
    seconds = round(age.total_seconds(), 1)
    if age > timedelta(seconds=limit):
        return Check(False, f"last heartbeat {seconds}s ago (limit {limit}s)", seconds)
    return Check(True, f"last heartbeat {seconds}s ago", seconds)


def _capped_count(queryset, limit: int) -> int:  # noqa: ANN001
    # Count at most limit+1 rows: a runaway queue costs no more to check than a healthy one.
    return queryset[: limit + 1].count()


def check_event_backlog() -> Check:
    limit = settings.ESCALA_READY_MAX_EVENT_BACKLOG
    count = _capped_count(QueuedEvent.objects.all(), limit)
    ok = count <= limit
    return Check(ok, f"{count}{'' if ok else '+'} queued events (limit {limit})", count)


def check_task_queue() -> Check:
    limit = settings.ESCALA_READY_MAX_TASK_QUEUE
    count = _capped_count(DBTaskResult.objects.ready(), limit)
    ok = count <= limit
    return Check(ok, f"{count}{'' if ok else '+'} tasks ready to run (limit {limit})", count)


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "worker": check_worker,
    "event_backlog": check_event_backlog,
    "task_queue": check_task_queue,
}


def readiness() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            result = check()
        except DatabaseError as exc:
            result = Check(False, f"database error: {exc.__class__.__name__}")
            connection.close()  # a broken connection must not serve the next request
        results[name] = asdict(result)
        if name == "database" and not result.ok:
            break  # everything else needs the database
    ok = all(r["ok"] for r in results.values()) and len(results) == len(CHECKS)
    return ok, results
