"""`escala serve`: the web server plus one background worker, as `make run` starts them."""

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Escala on HOST:PORT with one background worker beside it."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a worker.")

    def handle(self, *args, host: str, port: str, no_worker: bool, **options) -> None:
        from escala.demo.logins import describe_logins

        self.stdout.write(describe_logins())
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "escala.cli", "worker"])  # noqa: S603
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        self.stdout.write(self.style.SUCCESS(f"Escala is at http://{host}:{port}/"))
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
