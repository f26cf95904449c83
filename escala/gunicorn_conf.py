"""The production web server's settings (gunicorn), sized for the machine it runs on.

`escala serve` and bench/api_create.py both start gunicorn with this file. Each process handles
requests on a few threads: while one thread waits for PostgreSQL another runs Python, and a
process per core keeps every core busy. Override with WEB_CONCURRENCY (processes) and
WEB_THREADS (threads per process).
"""

import os
import shutil
import tempfile

_cores = os.cpu_count() or 1

wsgi_app = "escala.wsgi:serving_application"
workers = int(os.environ.get("WEB_CONCURRENCY", _cores))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
# Import Django once in the master: workers fork ready to serve, and start faster.
preload_app = True
keepalive = 5
timeout = 60
graceful_timeout = 20
# Recycle a worker now and then, staggered, so a slow leak never grows without bound.
max_requests = 20_000
max_requests_jitter = 2_000
accesslog = None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Prometheus metrics from every process of this server (escala/ops/metrics.py): each writes its
# own files in one directory, fresh for each server start, and a scrape adds them up. Must be set
# before the app (and prometheus-client) is imported, so here, not in Django's settings.
_metrics_dir_ours = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _metrics_dir_ours:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="escala-metrics-")


def child_exit(server, worker):  # noqa: ANN001, ANN201
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201
    if _metrics_dir_ours:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
