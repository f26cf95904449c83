"""`escala worker`: periodic jobs once per period, tasks once, failures retried then kept."""

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from escala.core import periodic
from escala.core.management.commands.worker import EscalaWorker, backoff
from escala.core.models import PeriodicJobRun

from . import worker_tasks

REPO = Path(__file__).resolve().parents[2]


def make_worker(worker_id: str) -> EscalaWorker:
    return EscalaWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def database_url_of_this_test() -> str:
    """The test database, for worker processes started by the test (a file on SQLite)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db["USER"] or "postgres"
        return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def counting_job():
    runs: list[tuple[str, datetime]] = []
    lock = threading.Lock()

    def job(now: datetime) -> None:
        with lock:
            runs.append((threading.current_thread().name, now))

    periodic.periodic("test.count", every=timedelta(minutes=1))(job)
    yield runs
    periodic.unregister("test.count")


def test_a_periodic_job_runs_once_per_period_in_one_worker(db, counting_job):
    minute = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for seconds in (0, 15, 59, 60, 61, 125):
        periodic.run_due("w1", now=minute + timedelta(seconds=seconds))
    assert len(counting_job) == 3  # 09:00, 09:01 and 09:02
    assert PeriodicJobRun.objects.filter(job="test.count").count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_worker_loops_on_one_database_run_each_periodic_job_once_per_period(counting_job):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ticks = [start + timedelta(seconds=20 * i) for i in range(12)]  # 4 minutes
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def loop(worker_id: str) -> None:
        try:
            for now in ticks:
                barrier.wait(timeout=30)
                periodic.run_due(worker_id, now=now)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=loop, args=(w,), name=w) for w in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    periods = sorted(now for _name, now in counting_job)
    assert len(periods) == 4  # once per minute, never twice
    rows = PeriodicJobRun.objects.filter(job="test.count")
    assert sorted(rows.values_list("period_start", flat=True)) == [
        start + timedelta(minutes=m) for m in range(4)
    ]


def test_a_failing_task_is_retried_with_backoff_and_finally_kept_as_failed(db, settings):
    settings.ESCALA_TASK_MAX_ATTEMPTS = 3
    result = worker_tasks.always_fails.enqueue("Invoice 7")
    worker = make_worker("w1")
    worker.tick()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY  # back in the queue, not dropped
    assert "Invoice 7 cannot be done" in row.traceback
    assert row.run_after > datetime.now(UTC) + backoff(1) - timedelta(seconds=5)
    for _attempt in (2, 3):
        DBTaskResult.objects.filter(pk=row.pk).update(run_after=datetime.now(UTC))
        worker.tick()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 3
    # Admins see it among the failed tasks.
    assert DBTaskResult.objects.failed().filter(pk=row.pk).exists()


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(40) == timedelta(hours=6)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_task_once_and_each_periodic_job_once_per_period():
    results = [worker_tasks.note_call.enqueue(f"call {n}") for n in range(40)]
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_test(),
        "PYTHONPATH": str(REPO),
    }
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "escala.cli", "worker", "--batch", f"--worker-id=p{n}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for n in (1, 2)
    ]
    outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    rows = DBTaskResult.objects.filter(pk__in=[r.id for r in results])
    assert set(rows.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    assert all(len(r.worker_ids) == 1 for r in rows)
    sweeps = PeriodicJobRun.objects.filter(job="sla.sweep")
    assert sweeps.count() == len(set(sweeps.values_list("period_start", flat=True))) >= 1


def test_a_worker_polling_every_second_tries_each_job_once_per_period(
    db, counting_job, monkeypatch
):
    claims = []
    real_claim = periodic.claim

    def counting_claim(job, now, worker_id):
        claims.append(job.period_start(now))
        return real_claim(job, now, worker_id)

    monkeypatch.setattr(periodic, "claim", counting_claim)
    monkeypatch.setattr(periodic, "_jobs", {"test.count": periodic._jobs["test.count"]})
    tried: dict = {}
    minute = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    PeriodicJobRun.objects.create(
        job="test.count", period_start=minute, worker_id="other", started_at=minute
    )
    for seconds in range(0, 120, 1):
        periodic.run_due("w1", now=minute + timedelta(seconds=seconds), tried=tried)
    # 09:00 was another worker's; 09:01 is ours, run once. One attempt per period, not 120.
    assert [now for _name, now in counting_job] == [minute + timedelta(minutes=1)]
    assert claims == [minute, minute + timedelta(minutes=1)]


def test_a_task_that_failed_for_good_is_listed_for_admins_with_its_error(
    db, settings, client, admin_user
):
    settings.ESCALA_TASK_MAX_ATTEMPTS = 1
    result = worker_tasks.always_fails.enqueue("Invoice 9")
    make_worker("w1").tick()
    client.force_login(admin_user)

    listing = client.get("/admin/django_tasks_database/dbtaskresult/", {"status__exact": "FAILED"})
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{result.id}/change/")

    assert "always_fails" in listing.content.decode()
    assert "Invoice 9 cannot be done" in detail.content.decode()
