"""Periodic jobs, run by `escala worker` beside the task queue: no second scheduler process.

Any app registers a job at import time (e.g. from its AppConfig.ready):

    from escala.core.periodic import periodic

    @periodic("sla.sweep", every=timedelta(minutes=1))
    def sweep(now): ...

Several workers may share one database: before running a job for a period, a worker inserts the
row (job, period_start) into PeriodicJobRun. The unique constraint lets exactly one insert win, so
each job runs once per period whatever the number of workers.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction

from . import clock

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LOCKED_RETRIES = 50


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[datetime], object]

    def period_start(self, now: datetime) -> datetime:
        periods = (now - EPOCH) // self.every
        return EPOCH + periods * self.every


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable:
    if every <= timedelta(0):
        raise ValueError("a periodic job needs a positive period")

    def register(func: Callable[[datetime], object]) -> Callable[[datetime], object]:
        _jobs[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register


def unregister(name: str) -> None:
    _jobs.pop(name, None)


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def claim(job: PeriodicJob, now: datetime, worker_id: str):  # noqa: ANN201
    """The PeriodicJobRun row if this worker won the period, else None."""
    from django_tasks_db.utils import is_locked_database_exception

    from .models import PeriodicJobRun

    for attempt in range(LOCKED_RETRIES):
        try:
            with transaction.atomic():
                return PeriodicJobRun.objects.create(
                    job=job.name,
                    period_start=job.period_start(now),
                    worker_id=worker_id[:64],
                    started_at=clock.now(),
                )
        except IntegrityError:
            return None
        except OperationalError as exc:
            # SQLite may report a busy table instead of waiting: try again shortly.
            if not is_locked_database_exception(exc) or attempt == LOCKED_RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    return None


def run_due(
    worker_id: str, now: datetime | None = None, *, tried: dict[str, datetime] | None = None
) -> list[str]:
    """Run every job whose current period nobody has claimed yet; return the names run.

    `tried` (kept by a worker between ticks) remembers the period each job was last tried for,
    so a worker polling every second tries each job once per period, not once per second.
    """
    now = now or clock.now()
    ran = []
    for job in jobs():
        period = job.period_start(now)
        if tried is not None:
            if tried.get(job.name) == period:
                continue
            tried[job.name] = period
        run = claim(job, now, worker_id)
        if run is None:
            continue
        ran.append(job.name)
        try:
            job.func(now)
        except Exception:
            log.exception("Periodic job %s failed", job.name)
            run.error = traceback.format_exc()[-4000:]
        run.finished_at = clock.now()
        run.save(update_fields=["finished_at", "error"])
    return ran
