import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def escala(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a command in a separate process, as an operator would on another machine."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    full.update({"SECURE_SSL_REDIRECT": "false", **env})
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def other_database(tmp_path):
    """DATABASE_URL of an empty database of the same kind as the test run's, dropped after."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    params = connection.settings_dict
    name = f"{params['NAME']}_other"[:60]
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    user = params.get("USER") or "postgres"
    admin = {"host": host, "port": port, "user": user, "dbname": "postgres"}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{user}@{host}:{port}/{name}"
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
