"""Prometheus metrics (prometheus-client), right with any number of processes and hosts.

Two kinds:
- per request, measured where it happens: the latency of each view (a histogram). Under
  gunicorn every process writes its own files in PROMETHEUS_MULTIPROC_DIR (gunicorn_conf.py
  sets one per server) and a scrape adds them up: prometheus-client's multiprocess mode.
- everything about the queues and the history, computed from the database at scrape time, so
  every app server reports the same figures however many workers do the work: the event
  backlog and the relay lag, tasks by state, mail by outcome, SLA warnings and breaches,
  worker heartbeats.

The endpoint is /metrics and is NOT public: it answers 404 until ESCALA_METRICS_TOKEN is set,
and then only to `Authorization: Bearer <that token>`.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from escala.core import clock

REQUEST_LATENCY = Histogram(
    "escala_http_request_duration_seconds",
    "Time to answer a request, per view (route name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return (match.view_name or match.route or "unnamed")[:100]


class RequestMetrics:
    """Middleware: one observation per request (outermost, so it times the whole answer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(
            view=view_name(request),
            method=request.method if request.method in _METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (the same on every server)."""

    def collect(self) -> Iterator:
        from django_tasks_db.models import DBTaskResult

        from escala.mail.models import InboundMail, Outbox
        from escala.tickets.choices import EventKind
        from escala.tickets.models import QueuedEvent, TicketEvent

        from .models import WorkerHeartbeat

        now = clock.now()
        backlog = QueuedEvent.objects.aggregate(n=Count("pk"), oldest=Min("event__created_at"))
        yield GaugeMetricFamily(
            "escala_event_backlog",
            "Committed ticket events whose listeners have not run yet.",
            value=backlog["n"],
        )
        lag = (now - backlog["oldest"]).total_seconds() if backlog["oldest"] else 0.0
        yield GaugeMetricFamily(
            "escala_event_relay_lag_seconds",
            "Age of the oldest event waiting for the worker's relay (0: none waiting).",
            value=max(lag, 0.0),
        )
        tasks = CounterMetricFamily(
            "escala_tasks", "Background tasks by state (kept task results).", labels=["status"]
        )
        by_status = dict(
            DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        for status in ("SUCCESSFUL", "FAILED", "READY", "RUNNING"):
            tasks.add_metric([status.lower()], by_status.get(status, 0))
        yield tasks
        yield GaugeMetricFamily(
            "escala_task_queue_ready",
            "Tasks ready to run now.",
            value=DBTaskResult.objects.ready().count(),
        )
        mail = CounterMetricFamily(
            "escala_mail_inbound",
            "Inbound mail by status and outcome.",
            labels=["status", "outcome"],
        )
        for status, outcome, n in (
            InboundMail.objects.values_list("status", "outcome").annotate(n=Count("pk")).order_by()
        ):
            mail.add_metric([status, outcome or "none"], n)
        yield mail
        outbound = CounterMetricFamily(
            "escala_mail_outbound", "Outgoing mail by status.", labels=["status"]
        )
        for status, n in Outbox.objects.values_list("status").annotate(n=Count("pk")).order_by():
            outbound.add_metric([status], n)
        yield outbound
        sla = dict(
            TicketEvent.objects.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED])
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        yield CounterMetricFamily(
            "escala_sla_warnings",
            "SLA warnings ever recorded.",
            value=sla.get(EventKind.SLA_WARNING, 0),
        )
        yield CounterMetricFamily(
            "escala_sla_breaches",
            "SLA breaches ever recorded.",
            value=sla.get(EventKind.SLA_BREACHED, 0),
        )
        beats = list(WorkerHeartbeat.objects.values_list("worker_id", "hostname", "seen_at"))
        age = GaugeMetricFamily(
            "escala_worker_heartbeat_age_seconds",
            "Seconds since each worker last reported.",
            labels=["worker", "host"],
        )
        for worker_id, host, seen in beats:
            age.add_metric([worker_id[:12], host], (now - seen).total_seconds())
        yield age


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        fresh = CollectorRegistry()
        multiprocess.MultiProcessCollector(fresh)
    else:
        fresh = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):  # this process's own metrics
            fresh.register(collector)
    fresh.register(DatabaseCollector())
    return fresh


def authorized(request: HttpRequest) -> bool:
    token = settings.ESCALA_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    scheme, _sep, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


def exposition() -> bytes:
    return generate_latest(registry())


def content_type() -> str:
    return CONTENT_TYPE_LATEST
