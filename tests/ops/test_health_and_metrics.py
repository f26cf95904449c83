"""/healthz, /readyz, /metrics and the request id in the logs."""

import io
import json
import logging

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from escala.mail import ingest
from escala.ops import health, heartbeat
from escala.ops.logs import RequestIdFilter
from escala.ops.models import WorkerHeartbeat
from escala.tickets.choices import EventKind
from escala.tickets.models import QueuedEvent, TicketEvent
from tests.sla.worker_tasks import note_call
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def readyz(client=None) -> tuple[int, dict]:  # noqa: ANN001
    response = (client or Client()).get("/readyz")
    return response.status_code, response.json()


def test_healthz_is_alive_without_asking_anything():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_readyz_needs_a_recent_worker_heartbeat(frozen_clock, settings):
    settings.ESCALA_READY_WORKER_SECONDS = 60
    status, body = readyz()
    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True

    heartbeat.beat("worker-a", force=True)
    status, body = readyz()
    assert status == 200, body
    assert body["ok"] is True

    frozen_clock.advance(seconds=61)
    status, body = readyz()
    assert status == 503
    assert "61" in body["checks"]["worker"]["detail"]

    settings.ESCALA_READY_WORKER_SECONDS = 0  # a site that runs no worker on purpose
    assert readyz()[0] == 200


def test_a_worker_that_stops_leaves(frozen_clock):
    heartbeat.beat("worker-b", force=True)
    assert WorkerHeartbeat.objects.filter(worker_id="worker-b").exists()
    heartbeat.stop("worker-b")
    assert not WorkerHeartbeat.objects.exists()


def test_readyz_fails_when_the_event_backlog_runs_away(
    settings, employee, categories, django_capture_on_commit_callbacks
):
    settings.ESCALA_READY_WORKER_SECONDS = 0
    settings.ESCALA_EVENT_RELAY = "worker"
    settings.ESCALA_READY_MAX_EVENT_BACKLOG = 1
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(employee, category=categories["password"])
        open_ticket(employee, category=categories["password"])
    assert QueuedEvent.objects.count() >= 2
    status, body = readyz()
    assert status == 503
    assert body["checks"]["event_backlog"]["ok"] is False
    settings.ESCALA_READY_MAX_EVENT_BACKLOG = 100
    assert readyz()[0] == 200


def test_readyz_fails_when_the_task_queue_runs_away(settings):
    settings.ESCALA_READY_WORKER_SECONDS = 0
    settings.ESCALA_READY_MAX_TASK_QUEUE = 2
    for n in range(3):
        note_call.enqueue(f"job {n}")
    status, body = readyz()
    assert status == 503
    assert body["checks"]["task_queue"] == {
        "ok": False,
        "detail": "3+ tasks ready to run (limit 2)",
        "value": 3,
    }


def test_readyz_fails_with_unapplied_migrations(settings, monkeypatch):
    settings.ESCALA_READY_WORKER_SECONDS = 0
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", 1)])
    status, body = readyz()
    assert status == 503
    assert body["checks"]["migrations"]["detail"] == "1 unapplied"


def test_metrics_are_not_public_by_default(settings):
    settings.ESCALA_METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    settings.ESCALA_METRICS_TOKEN = "s3cret-token"
    assert Client().get("/metrics").status_code == 401
    wrong = Client(headers={"authorization": "Bearer nope"}).get("/metrics")
    assert wrong.status_code == 401


def scrape() -> str:
    response = Client(headers={"authorization": "Bearer s3cret-token"}).get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, prefix: str) -> float:
    for line in text.splitlines():
        if (
            line.startswith(prefix + " ")
            or line.startswith(prefix + "{")
            and line.split(" ")[0] == prefix
        ):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{prefix} not in the metrics:\n{text}")


def test_metrics_report_queues_mail_sla_tasks_and_latency(
    settings, employee, categories, frozen_clock, django_capture_on_commit_callbacks
):
    settings.ESCALA_METRICS_TOKEN = "s3cret-token"
    settings.ESCALA_EVENT_RELAY = "worker"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, category=categories["password"])
    frozen_clock.advance(seconds=30)
    TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.SLA_BREACHED, created_at=frozen_clock()
    )
    ingest.store(b"From: a@b.example\r\nSubject: x\r\n\r\nhello")
    note_call.enqueue("one")
    Client().get("/healthz")
    Client().get("/healthz")
    text = scrape()
    assert sample(text, "escala_event_backlog") == QueuedEvent.objects.count() >= 1
    assert sample(text, "escala_event_relay_lag_seconds") == 30.0
    assert sample(text, "escala_sla_breaches_total") == 1
    assert sample(text, "escala_sla_warnings_total") == 0
    assert 'escala_mail_inbound_total{outcome="none",status="received"} 1.0' in text
    assert 'escala_tasks_total{status="ready"} 1.0' in text
    assert sample(text, "escala_task_queue_ready") == 1
    assert (
        'escala_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
        in text
    )
    before = float(
        next(
            line
            for line in text.splitlines()
            if line.startswith(
                'escala_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
            )
        ).rsplit(" ", 1)[1]
    )
    Client().get("/healthz")
    again = scrape()
    after = float(
        next(
            line
            for line in again.splitlines()
            if line.startswith(
                'escala_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
            )
        ).rsplit(" ", 1)[1]
    )
    assert after == before + 1


@pytest.mark.urls("tests.core.error_urls")
def test_json_logs_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(request_id)s %(message)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client = Client(raise_request_exception=False, headers={"x-request-id": "abc-123-def-456"})
        response = client.get("/broken/")
        fresh = Client(raise_request_exception=False).get("/broken/")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "abc-123-def-456"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["request_id"] == "abc-123-def-456"
    assert lines[0]["levelname"] == "ERROR"
    assert lines[1]["request_id"] == fresh["X-Request-ID"] != "abc-123-def-456"
    # Something that is not an id is not echoed back.
    odd = Client().get("/healthz", headers={"x-request-id": "<script>"})
    assert odd["X-Request-ID"] != "<script>"
