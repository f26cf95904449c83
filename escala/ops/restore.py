"""`escala restore ARCHIVE`: put a backup (escala/ops/backup.py) back, into an empty database and
storage, and prove it came back whole.

1. Every member of the archive is checked against the manifest's SHA-256 before anything is
   touched; a damaged or tampered archive changes nothing.
2. The target must be empty: no tickets, users or raw mails in the database (a freshly migrated
   database counts as empty: its only rows are the seeded levels), nothing in the attachment
   storage nor in the raw-mail storage. Otherwise it refuses, unless `force` (the existing data
   is replaced).
3. The database is replaced whole (PostgreSQL: the public schema is dropped and pg_restore runs
   in one transaction; SQLite: the online backup API copies the archived image over the file),
   then the attachment files and raw mail objects are written to their storages under their own
   names.
4. The counts, every raw mail's SHA-256 (from the database or read back from the raw-mail
   storage) and every attachment's SHA-256 are compared with the manifest.

Stop the app servers and workers before restoring; start them (and `escala migrate`, if this
Escala is newer than the backup) after.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DatabaseError, connections

from .backup import (
    CHUNK,
    FILES_PREFIX,
    FORMAT,
    MANIFEST,
    RAW_PREFIX,
    READABLE_VERSIONS,
    BackupError,
    _tool,
    pg_env,
    pg_params,
    raw_storage,
    read_snapshot,
    sha256_file,
    vendor,
)

# A target holding any of these rows is not empty.
USER_DATA = ["tickets.Ticket", "mail.InboundMail", "auth.User", "people.Requester"]


def _safe_name(name: str) -> str:
    """A storage name from the archive: relative, normalized, no way out of the storage."""
    normalized = posixpath.normpath(name)
    if (
        not name
        or name != normalized
        or normalized.startswith(("/", "../"))
        or normalized == ".."
        or "\\" in name
        or "\x00" in name
    ):
        raise BackupError(f"The archive names an unsafe file path: {name!r}")
    return normalized


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError("This is not an Escala backup: it has no manifest.json.") from None
    manifest = json.load(tar.extractfile(member))
    if manifest.get("format") != FORMAT:
        raise BackupError("This is not an Escala backup (unknown format).")
    if manifest.get("version") not in READABLE_VERSIONS:
        raise BackupError(f"Backup format version {manifest.get('version')} is not supported.")
    return manifest


def verify_archive(tar: tarfile.TarFile, manifest: dict) -> None:
    """Every member the manifest lists is present, a regular file, and has its SHA-256."""
    for name, expected in manifest["members"].items():
        for prefix in (FILES_PREFIX, RAW_PREFIX):
            if name.startswith(prefix):
                _safe_name(name[len(prefix) :])
        try:
            member = tar.getmember(name)
        except KeyError:
            raise BackupError(f"The archive lacks {name}.") from None
        if not member.isfile():
            raise BackupError(f"{name} in the archive is not a regular file.")
        digest, size = sha256_file(tar.extractfile(member))
        if digest != expected["sha256"] or size != expected["size"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: damaged.")


def database_has_data(alias: str = "default") -> bool:
    from django.apps import apps

    connection = connections[alias]
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return False
    with connection.cursor() as cursor:
        for label in USER_DATA:
            table = apps.get_model(label)._meta.db_table
            if table not in tables:
                continue
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - a table name
            if cursor.fetchone():
                return True
    return False


def _names(manifest: dict, prefix: str) -> list[str]:
    return [n[len(prefix) :] for n in manifest["members"] if n.startswith(prefix)]


def _has_any(storage: Storage, folder: str) -> bool:
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return False
    return bool(dirs or files)


def storage_conflicts(manifest: dict, storage: Storage, raw: Storage | None = None) -> list[str]:
    found = [n for n in _names(manifest, FILES_PREFIX) if storage.exists(n)]
    if _has_any(storage, "attachments") and not found:
        found = ["attachments/…"]
    if raw is not None:
        found += [RAW_PREFIX + n for n in _names(manifest, RAW_PREFIX) if raw.exists(n)]
        if _has_any(raw, "") and not found:
            found = [RAW_PREFIX + "…"]
    return found


def _restore_postgresql(tar: tarfile.TarFile, member: str, alias: str) -> None:
    import psycopg

    connections[alias].close()
    with tempfile.TemporaryDirectory(prefix="escala-restore-") as workdir:
        dump = Path(workdir) / "database.pgdump"
        with dump.open("wb") as out:
            src = tar.extractfile(member)
            while chunk := src.read(CHUNK):
                out.write(chunk)
        with psycopg.connect(**pg_params(alias), autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={pg_params(alias)['dbname']}",
                str(dump),
            ],  # fmt: skip
            env=pg_env(alias),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_sqlite(tar: tarfile.TarFile, member: str, alias: str) -> None:
    connections[alias].close()
    target = connections[alias].settings_dict["NAME"]
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="escala-restore-") as workdir:
        image = Path(workdir) / "database.sqlite3"
        with image.open("wb") as out:
            src = tar.extractfile(member)
            while chunk := src.read(CHUNK):
                out.write(chunk)
        source = sqlite3.connect(image)
        dest = sqlite3.connect(target, timeout=60)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=WAL")
        finally:
            dest.close()
            source.close()


def _restore_files(
    tar: tarfile.TarFile, manifest: dict, storage: Storage, prefix: str = FILES_PREFIX
) -> int:
    written = 0
    for member_name in manifest["members"]:
        if not member_name.startswith(prefix):
            continue
        name = _safe_name(member_name[len(prefix) :])
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(
            name, File(tar.extractfile(member_name), name=posixpath.basename(name))
        )
        if saved != name:
            raise BackupError(f"The storage saved {name} as {saved}; restore needs the same name.")
        written += 1
    return written


def _hash_object(storage: Storage, name: str) -> str | None:
    try:
        with storage.open(name, "rb") as handle:
            return sha256_file(handle)[0]
    except (FileNotFoundError, OSError):
        return None


def check_restored(
    manifest: dict, *, alias: str, storage: Storage, raw: Storage | None = None
) -> list[str]:
    """What differs between the restored site and the manifest (empty: identical)."""
    problems = []
    connection = connections[alias]
    connection.close()
    with connection.cursor() as cursor:
        snap = read_snapshot(cursor.cursor, hash_in_sql=connection.vendor == "postgresql")
    raw = raw or raw_storage()
    for pk, (key, _digest) in snap.raw_objects.items():
        snap.raw_mail_sha256[pk] = _hash_object(raw, key)
    for key, expected in manifest["counts"].items():
        if snap.counts.get(key) != expected:
            problems.append(f"{key}: {snap.counts.get(key)} restored, {expected} in the backup")
    if snap.raw_mail_sha256 != manifest["raw_mail_sha256"]:
        bad = [
            k for k, v in manifest["raw_mail_sha256"].items() if snap.raw_mail_sha256.get(k) != v
        ]
        problems.append(f"raw mail differs from the backup: {len(bad)} mails, e.g. {bad[:5]}")
    for member_name, expected in manifest["members"].items():
        if not member_name.startswith(FILES_PREFIX):
            continue
        name = member_name[len(FILES_PREFIX) :]
        try:
            with storage.open(name, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except (FileNotFoundError, OSError):
            problems.append(f"{name}: missing after restore")
            continue
        if digest != expected["sha256"]:
            problems.append(f"{name}: SHA-256 differs after restore")
    return problems


def restore_backup(
    archive: Path,
    *,
    force: bool = False,
    alias: str = "default",
    storage: Storage | None = None,
    raw_mail_storage: Storage | None = None,
    log: Any = None,
) -> dict:
    storage = storage or default_storage
    raw = raw_mail_storage or raw_storage()
    say = log or (lambda message: None)
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Cannot read {archive}: {exc}") from None
    with tar:
        manifest = read_manifest(tar)
        db = manifest["database"]
        if db["vendor"] != vendor(alias):
            raise BackupError(
                f"The backup holds a {db['vendor']} database; this Escala uses "
                f"{vendor(alias)}. Point DATABASE_URL at a {db['vendor']} database."
            )
        say("Checking every file of the archive against its SHA-256")
        verify_archive(tar, manifest)
        if not force:
            if database_has_data(alias):
                raise BackupError(
                    "The database is not empty (it has tickets, users or mail). Restore into an "
                    "empty database, or pass --force to replace everything in it."
                )
            if conflicts := storage_conflicts(manifest, storage, raw):
                raise BackupError(
                    f"The file storage is not empty ({conflicts[0]} …). Restore into empty "
                    "storage, or pass --force to overwrite."
                )
        say(f"Restoring the {db['vendor']} database")
        if db["vendor"] == "postgresql":
            _restore_postgresql(tar, db["member"], alias)
        else:
            _restore_sqlite(tar, db["member"], alias)
        say("Restoring the attachment files")
        files = _restore_files(tar, manifest, storage)
        say("Restoring the raw mail kept in storage")
        raw_mails = _restore_files(tar, manifest, raw, RAW_PREFIX)
    say("Comparing the restored site with the manifest")
    problems = check_restored(manifest, alias=alias, storage=storage, raw=raw)
    if problems:
        raise BackupError("The restored site differs from the backup:\n  " + "\n  ".join(problems))
    return {"manifest": manifest, "files": files, "raw_mails": raw_mails}
