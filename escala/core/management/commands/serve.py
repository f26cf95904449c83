"""`escala serve`: the production web server (gunicorn, escala/gunicorn_conf.py) plus one
background worker, as `make run` starts them. `--dev` uses Django's development server."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Escala on HOST:PORT with one background worker beside it."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a worker.")
        parser.add_argument(
            "--workers", type=int, help="Server processes (default: WEB_CONCURRENCY or one a core)."
        )
        parser.add_argument(
            "--threads", type=int, help="Threads per process (default: WEB_THREADS or 4)."
        )
        parser.add_argument("--dev", action="store_true", help="Django's development server.")

    def handle(self, *args, host: str, port: str, no_worker: bool, dev: bool, **options) -> None:
        from escala.demo.logins import describe_logins

        self.stdout.write(describe_logins())
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "escala.cli", "worker"])  # noqa: S603
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        self.stdout.write(self.style.SUCCESS(f"Escala is at http://{host}:{port}/"))
        try:
            if dev:
                call_command(
                    "runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True
                )
            else:
                self._gunicorn(host, port, options.get("workers"), options.get("threads"))
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _gunicorn(self, host: str, port: str, workers: int | None, threads: int | None) -> None:
        env = dict(os.environ)
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            env["WEB_THREADS"] = str(threads)
        # Several processes share per-user state (rate limits, who is viewing a ticket) only
        # through a shared cache: the in-process default would give each process its own.
        env.setdefault("ESCALA_CACHE", "file")
        config = settings.BASE_DIR / "gunicorn_conf.py"
        command = [sys.executable, "-m", "gunicorn", "-c", str(config), "-b", f"{host}:{port}"]
        server = subprocess.Popen(command, env=env)  # noqa: S603
        # Stopping `escala serve` (Ctrl-C or SIGTERM) stops gunicorn gracefully with it.
        signal.signal(signal.SIGTERM, lambda *_args: server.terminate())
        try:
            server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait(timeout=30)
