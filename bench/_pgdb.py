"""A throwaway PostgreSQL database for a benchmark run (127.0.0.1, user postgres)."""

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ESCALA = str(ROOT / ".venv" / "bin" / "escala")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(name: str):
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0] + "/" + name
    env = dict(
        os.environ,
        DATABASE_URL=url,
        ESCALA_MAIL_RATE_LIMIT="1000",
        # Notifications are queued (part of the measured work) but not sent anywhere.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    subprocess.run([ESCALA, "migrate", "-v0"], env=env, check=True)
    try:
        yield env
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):  # to look at what a run left; drop it yourself
            with psycopg.connect(SERVER, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(env: dict, sql: str):
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute(sql).fetchall()
