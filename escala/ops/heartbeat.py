"""Worker heartbeats: each `escala worker` upserts its row every BEAT seconds at most (one
statement), so /readyz on any app server knows whether some worker is alive."""

import os
import socket
import time
from datetime import timedelta

from escala.core import clock

from .models import WorkerHeartbeat

BEAT = 10.0  # seconds between two writes of one worker
_last: dict[str, float] = {}
_started: dict[str, object] = {}


def beat(worker_id: str, *, force: bool = False) -> bool:
    """Record that `worker_id` is alive; returns whether a row was written."""
    now_mono = time.monotonic()
    if not force and now_mono - _last.get(worker_id, -BEAT) < BEAT:
        return False
    now = clock.now()
    started = _started.setdefault(worker_id, now)
    WorkerHeartbeat.objects.bulk_create(
        [
            WorkerHeartbeat(
                worker_id=worker_id[:64],
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
                started_at=started,
                seen_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["worker_id"],
        update_fields=["hostname", "pid", "seen_at"],
    )
    _last[worker_id] = now_mono
    return True


def stop(worker_id: str) -> None:
    """A worker that stops cleanly leaves at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id[:64]).delete()
    _last.pop(worker_id, None)


def freshest_age() -> timedelta | None:
    seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return None if seen is None else clock.now() - seen


def forget_stale(before: timedelta = timedelta(days=1)) -> int:
    deleted, _per_model = WorkerHeartbeat.objects.filter(seen_at__lt=clock.now() - before).delete()
    return deleted
