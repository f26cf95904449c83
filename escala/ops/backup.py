"""`escala backup`: one consistent archive of everything the help desk holds.

The archive is a plain tar file:

    database.pgdump | database.sqlite3   the database (pg_dump custom format / SQLite's own copy)
    files/<storage name>                 every attachment the database refers to
    manifest.json                        written last: SHA-256 and size of every member, the
                                         counts of tickets, messages, events, attachments and
                                         raw mails, and the SHA-256 of every raw mail

Consistency while the site and the worker write: the database is copied from ONE snapshot
(PostgreSQL: pg_dump runs inside a snapshot exported by our own REPEATABLE READ transaction, in
which we also read the attachment names, counts and raw-mail hashes; SQLite: the online backup
API copies a consistent image, which we then read). Attachment files are write-once (a random
folder per file, never rewritten), so copying the files the snapshot names afterwards gives
exactly the files of that instant. Raw mail kept in the database (mail.InboundMail.raw) travels
in the dump; raw mail in the raw-mail storage (STORAGES["rawmail"], escala/mail/rawstore.py) is
copied as rawmail/<name> from the objects the snapshot's rows name, which are write-once too
(content-addressed). Every raw mail's SHA-256, wherever it lives, is in the manifest, so
`escala restore` proves each came back intact.

    rawmail/<name>                       every raw mail object the database refers to
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connections

from escala.core import clock

FORMAT = "escala-backup"
VERSION = 2  # 2: raw mail objects (rawmail/); version 1 archives restore as they are
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
RAW_PREFIX = "rawmail/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why, for the operator."""


def _table(app_model: str) -> str:
    from django.apps import apps

    return apps.get_model(app_model)._meta.db_table


# What the manifest counts, and restore compares: (key, model).
COUNTED = [
    ("tickets", "tickets.Ticket"),
    ("messages", "tickets.Message"),
    ("events", "tickets.TicketEvent"),
    ("attachments", "tickets.Attachment"),
    ("raw_mails", "mail.InboundMail"),
    ("requesters", "people.Requester"),
    ("users", "auth.User"),
]


@dataclass
class Snapshot:
    """What the database held at the instant of the copy."""

    counts: dict[str, int] = field(default_factory=dict)
    attachment_names: list[str] = field(default_factory=list)
    # Raw mail in the database: its SHA-256 (read in the snapshot). In the storage: None here
    # until the object is read (backup: as it is copied; restore: from the target storage).
    raw_mail_sha256: dict[str, str | None] = field(default_factory=dict)
    # Raw mail in the storage: id -> (object name, the SHA-256 its row keeps).
    raw_objects: dict[str, tuple[str, str]] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def sha256_file(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def read_snapshot(cursor: Any, *, hash_in_sql: bool) -> Snapshot:
    """Counts, attachment names, raw-mail hashes and applied migrations, read through `cursor`
    (a DB-API cursor on the snapshot: ours, never Django's connection)."""
    snap = Snapshot()
    for key, model in COUNTED:
        cursor.execute(f"SELECT count(*) FROM {_table(model)}")  # noqa: S608 - table names
        snap.counts[key] = cursor.fetchone()[0]
    cursor.execute(f"SELECT DISTINCT file FROM {_table('tickets.Attachment')} ORDER BY file")  # noqa: S608
    snap.attachment_names = [row[0] for row in cursor.fetchall() if row[0]]
    mails = _table("mail.InboundMail")
    # A database from before raw mail could live in storage has no raw_key column.
    stored = "raw_key" in _columns(cursor, mails, postgres=hash_in_sql)
    in_db = "WHERE raw_key = ''" if stored else ""
    if hash_in_sql:
        cursor.execute(
            f"SELECT id, encode(sha256(raw), 'hex') FROM {mails} {in_db} ORDER BY id"  # noqa: S608
        )
        snap.raw_mail_sha256 = {str(pk): digest for pk, digest in cursor.fetchall()}
    else:
        cursor.execute(f"SELECT id, raw FROM {mails} {in_db} ORDER BY id")  # noqa: S608
        snap.raw_mail_sha256 = {
            str(pk): hashlib.sha256(bytes(raw)).hexdigest() for pk, raw in cursor.fetchall()
        }
    if stored:
        cursor.execute(
            f"SELECT id, raw_key, raw_sha256 FROM {mails} WHERE raw_key <> '' ORDER BY id"  # noqa: S608
        )
        for pk, key, digest in cursor.fetchall():
            snap.raw_objects[str(pk)] = (key, digest)
            snap.raw_mail_sha256[str(pk)] = None
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    for app, name in cursor.fetchall():
        snap.migrations.setdefault(app, []).append(name)
    return snap


def _columns(cursor: Any, table: str, *, postgres: bool) -> set[str]:
    if postgres:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "  # noqa: S608 - a table name
            f"WHERE table_schema = current_schema() AND table_name = '{table}'"
        )
    else:
        cursor.execute(f"SELECT name FROM pragma_table_info('{table}')")  # noqa: S608
    return {row[0] for row in cursor.fetchall()}


def raw_storage() -> Storage:
    from escala.mail import rawstore

    return rawstore.storage()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_params(alias: str = "default") -> dict[str, str]:
    db = connections[alias].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    return {k: v for k, v in params.items() if v}


def pg_env(alias: str = "default") -> dict[str, str]:
    """The libpq environment for pg_dump/pg_restore: no password on the command line."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD",
             "host": "PGHOST", "port": "PGPORT"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: v for k, v in pg_params(alias).items()})
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _dump_postgresql(target: Path, alias: str) -> Snapshot:
    import psycopg

    with psycopg.connect(**pg_params(alias)) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cursor:
            snap = read_snapshot(cursor, hash_in_sql=True)
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
            ],  # fmt: skip
            env=pg_env(alias),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return snap


# --- SQLite -------------------------------------------------------------------------------------


def _dump_sqlite(target: Path, alias: str) -> Snapshot:
    source = sqlite3.connect(connections[alias].settings_dict["NAME"], timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one consistent image, even while others write (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        snap = read_snapshot(copy.cursor(), hash_in_sql=False)
    finally:
        copy.close()
        source.close()
    return snap


# --- The archive --------------------------------------------------------------------------------


def default_output() -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"escala-{stamp}.tar"


def _add(tar: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(clock.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, handle)


def _add_hashed(tar: tarfile.TarFile, name: str, handle: IO[bytes]) -> tuple[str, int]:
    """Copy `handle` into the archive, hashing on the way (spooled: size must come first)."""
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as spool:
        digest = hashlib.sha256()
        size = 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
            size += len(chunk)
        spool.seek(0)
        _add(tar, name, spool, size)
    return digest.hexdigest(), size


def create_backup(
    output: Path | None = None,
    *,
    alias: str = "default",
    storage: Storage | None = None,
    raw_mail_storage: Storage | None = None,
    log: Any = None,
) -> dict:
    """Write the archive to `output` (atomically: a temporary name, renamed when complete) and
    return its manifest."""
    storage = storage or default_storage
    raw_mail_storage = raw_mail_storage or raw_storage()
    output = Path(output or default_output())
    output.parent.mkdir(parents=True, exist_ok=True)
    db_vendor = vendor(alias)
    if db_vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {db_vendor}.")
    say = log or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="escala-backup-") as workdir:
        db_name = "database.pgdump" if db_vendor == "postgresql" else "database.sqlite3"
        db_copy = Path(workdir) / db_name
        say(f"Copying the {db_vendor} database")
        if db_vendor == "postgresql":
            snap = _dump_postgresql(db_copy, alias)
        else:
            snap = _dump_sqlite(db_copy, alias)
        partial = output.with_name(output.name + ".partial")
        members: dict[str, dict] = {}
        missing: list[str] = []
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            with db_copy.open("rb") as handle:
                digest, size = _add_hashed(tar, db_name, handle)
            members[db_name] = {"sha256": digest, "size": size}
            say(f"Copying {len(snap.attachment_names)} attachment files")
            for name in snap.attachment_names:
                try:
                    handle = storage.open(name, "rb")
                except (FileNotFoundError, OSError):
                    missing.append(name)
                    continue
                with handle:
                    digest, size = _add_hashed(tar, FILES_PREFIX + name, handle)
                members[FILES_PREFIX + name] = {"sha256": digest, "size": size}
            say(f"Copying {len(snap.raw_objects)} raw mails from their storage")
            damaged = _copy_raw_mail(tar, snap, raw_mail_storage, members, missing)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": clock.now().isoformat(),
                "database": {"vendor": db_vendor, "member": db_name},
                "counts": snap.counts,
                "migrations": snap.migrations,
                "members": members,
                "missing_files": missing,
                "raw_mail_sha256": snap.raw_mail_sha256,
                "raw_mail_objects": {pk: key for pk, (key, _sha) in snap.raw_objects.items()},
                "damaged_raw_mail": damaged,
            }
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            _add(tar, MANIFEST, io.BytesIO(body), len(body))
        partial.chmod(0o600)
        partial.replace(output)
    manifest["path"] = str(output)
    return manifest


def _copy_raw_mail(
    tar: tarfile.TarFile, snap: Snapshot, storage: Storage, members: dict, missing: list
) -> list[str]:
    """Copy the objects the snapshot's rows name; their SHA-256 (as copied) goes to the
    manifest. Returns the ids of mails whose object does not match the SHA-256 of their row."""
    damaged = []
    for pk, (key, expected) in snap.raw_objects.items():
        member = RAW_PREFIX + key
        if member not in members:
            try:
                handle = storage.open(key, "rb")
            except (FileNotFoundError, OSError):
                missing.append(member)  # erased after the snapshot (or lost): said, not hidden
                continue
            except Exception as exc:  # the storage itself (S3 down, credentials): no backup
                raise BackupError(f"The raw-mail storage cannot be read: {exc}") from exc
            with handle:
                digest, size = _add_hashed(tar, member, handle)
            members[member] = {"sha256": digest, "size": size}
        digest = members[member]["sha256"]
        snap.raw_mail_sha256[pk] = digest
        if expected and digest != expected:
            damaged.append(pk)
    return damaged
