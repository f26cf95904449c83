"""The production web server's settings (gunicorn), sized for the machine it runs on.

`escala serve` and bench/api_create.py both start gunicorn with this file. Each process handles
requests on a few threads: while one thread waits for PostgreSQL another runs Python, and a
process per core keeps every core busy. Override with WEB_CONCURRENCY (processes) and
WEB_THREADS (threads per process).
"""

import os

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
