"""Two app servers (gunicorn, two processes each) and two workers on one PostgreSQL and one Redis,
driven at once: no ticket lost, no task or mail run twice, one rate limit for both servers, a
revocation on another host seen at once, and metrics added up across processes.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (.ci/run starts both); it runs
on PostgreSQL even when the rest of the suite runs on SQLite, since several hosts need a server
database. Every port is ephemeral: each server listens on a socket the test bound to port 0.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.ops.conftest import ROOT

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
REDIS_DB = 13
METRICS_TOKEN = "multihost-metrics-token"
RATE_LIMIT = 10
TICKETS_PER_TOKEN = 8
TASKS = 40


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def redis_prefix():
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        client.ping()
    except redis.ConnectionError:
        _unavailable("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"test-ops-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*"):  # only our own keys: Redis is shared
        client.delete(key)


@pytest.fixture
def database():
    name = f"test_ops_multihost_{os.getpid()}_{int(time.time())}"
    try:
        admin = psycopg.connect(**PG, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        _unavailable("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**PG, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Site:
    def __init__(self, tmp_path: Path, database: str, redis_prefix: str) -> None:
        self.tmp = tmp_path
        self.database = database
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.mail_dir = tmp_path / "mail"
        self.task_file = tmp_path / "tasks.txt"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "ESCALA_CACHE": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "ESCALA_CACHE_PREFIX": redis_prefix,
            "ESCALA_EVENT_RELAY": "worker",
            "ESCALA_API_RATE_LIMIT": str(RATE_LIMIT),
            # The window is fixed (now // window): an hour's would restart mid-test once in a
            # while and let more requests through; this one restarts once in 31 years.
            "ESCALA_API_RATE_WINDOW": "1000000000",
            "ESCALA_METRICS_TOKEN": METRICS_TOKEN,
            "ESCALA_VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "SECRET_KEY": "multihost-" + "k" * 50,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DB_CONN_MAX_AGE": "0",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "escala.settings",
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def _start(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:  # noqa: ANN003
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        proc = subprocess.Popen(  # noqa: S603
            command, env=self.env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
            **kwargs,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def start_server(self, name: str) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        port = sock.getsockname()[1]
        config = str(ROOT / "escala" / "gunicorn_conf.py")
        self._start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                config,
                "-b",
                f"fd://{sock.fileno()}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],  # fmt: skip
            pass_fds=[sock.fileno()],
        )
        sock.close()  # gunicorn holds its own copy
        return f"http://127.0.0.1:{port}"

    def start_worker(self, name: str) -> None:
        self._start(
            name,
            [
                sys.executable,
                "-m",
                "escala.cli",
                "worker",
                "--interval",
                "0.2",
                "--worker-id",
                f"{name}-{uuid.uuid4().hex[:8]}",
            ],  # fmt: skip
        )

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in self.logs)

    def sql(self, query: str) -> list[tuple]:
        with psycopg.connect(**{**PG, "dbname": self.database}) as conn:
            return conn.execute(query).fetchall()


def request(url: str, *, method: str = "GET", token: str = "", body: dict | None = None):  # noqa: ANN201
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - our loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(check, *, timeout: float, what: str, site: Site) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{site.tail()}")


def test_two_app_servers_and_two_workers_share_one_database_and_one_redis(
    tmp_path, database, redis_prefix
):
    site = Site(tmp_path, database, redis_prefix)
    site.run("-m", "escala.cli", "migrate", "--noinput", "-v0")
    seeded = json.loads(site.run("-m", "tests.ops.multihost_seed", str(site.task_file), str(TASKS)))
    tokens = [t["raw"] for t in seeded["tokens"]]
    try:
        servers = [site.start_server("app-a"), site.start_server("app-b")]
        site.start_worker("worker-1")
        site.start_worker("worker-2")
        health_hits = {server: 0 for server in servers}

        def healthy(server: str) -> bool:
            try:
                status, _body = request(f"{server}/healthz")
            except OSError:
                return False
            health_hits[server] += 1
            return status == 200

        for server in servers:
            wait_until(lambda s=server: healthy(s), timeout=60, what="the servers", site=site)

        # 1. Tickets filed through both servers at once, four requesters in parallel.
        def file_tickets(n: int) -> list[int]:
            made = []
            for k in range(TICKETS_PER_TOKEN):
                server = servers[(n + k) % 2]
                status, body = request(
                    f"{server}/api/v1/tickets", method="POST", token=tokens[n],
                    body={"subject": f"Printer {n}-{k}", "body": "It jams on every page."},
                )  # fmt: skip
                assert status == 201, body
                made.append(json.loads(body)["id"])
            return made

        with ThreadPoolExecutor(4) as pool:
            created = [pk for ids in pool.map(file_tickets, range(4)) for pk in ids]
        assert len(created) == len(set(created)) == 4 * TICKETS_PER_TOKEN

        # 2. One rate limit for both servers: RATE_LIMIT requests in all, not per server.
        statuses = [
            request(f"{servers[i % 2]}/api/v1/tickets", token=tokens[4])[0]
            for i in range(RATE_LIMIT + 4)
        ]
        assert statuses.count(200) == RATE_LIMIT, statuses
        assert statuses.count(429) == 4, statuses

        # 3. A token revoked on another host stops working at once on both servers (each had
        # it in its per-process copy a moment ago).
        for server in servers:
            assert request(f"{server}/api/v1/tickets", token=tokens[0])[0] == 200
        site.run(
            "-m", "escala.cli", "shell", "-c",
            "from escala.api.tokens import revoke_token; from escala.api.models import ApiToken;"
            f"t = ApiToken.objects.get(pk={seeded['tokens'][0]['id']});"
            "revoke_token(token_id=t.pk, by=t.user)",
        )  # fmt: skip
        for server in servers:
            assert request(f"{server}/api/v1/tickets", token=tokens[0])[0] == 401

        # 4. The workers relay every event and run every task and mail exactly once.
        def settled() -> bool:
            (queued,) = site.sql("SELECT count(*) FROM tickets_queuedevent")[0]
            (pending,) = site.sql(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                " WHERE status IN ('READY', 'RUNNING')"
            )[0]
            (outbox,) = site.sql("SELECT count(*) FROM mail_outbox WHERE status = 'pending'")[0]
            return queued == 0 and pending == 0 and outbox == 0

        wait_until(settled, timeout=180, what="the workers to finish", site=site)
        stored = {pk for (pk,) in site.sql("SELECT id FROM tickets_ticket")}
        assert stored == set(created)  # nothing lost
        runs = site.task_file.read_text().splitlines()
        labels = [line.split()[0] for line in runs]
        assert sorted(labels) == sorted(f"task-{n}" for n in range(TASKS))  # each once
        (failed,) = site.sql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
        )[0]
        assert failed == 0
        receipts = site.sql(
            "SELECT ticket_id, count(*) FROM mail_outbox WHERE kind = 'received' GROUP BY ticket_id"
        )
        assert {pk for pk, _n in receipts} == set(created)
        assert all(n == 1 for _pk, n in receipts)
        (sent,) = site.sql("SELECT count(*) FROM mail_outbox WHERE status = 'sent'")[0]
        sent_files = sum(
            path.read_text(errors="replace").count("\nMessage-ID: ")
            + path.read_text(errors="replace").startswith("Message-ID: ")
            for path in site.mail_dir.glob("*.log")
        )
        assert sent_files == sent >= len(created)  # each mail left once
        (heartbeats,) = site.sql("SELECT count(*) FROM ops_workerheartbeat")[0]
        assert heartbeats == 2

        # 5. Both servers are ready, and each one's metrics add up its two processes.
        for server in servers:
            status, body = request(f"{server}/readyz")
            assert status == 200, body
        for server in servers:
            for _ in range(20):
                assert healthy(server)
            status, body = request(f"{server}/metrics", token=METRICS_TOKEN)
            assert status == 200
            text = body.decode()
            count = sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("escala_http_request_duration_seconds_count{")
                and 'view="healthz"' in line
            )
            assert count == health_hits[server], text[:2000]
            assert "escala_event_backlog 0.0" in text
    finally:
        site.stop()
