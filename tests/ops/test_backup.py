"""Backup and restore round trips, on the test run's database kind (SQLite or PostgreSQL)."""

import hashlib
import io
import json
import shutil
import tarfile
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from escala.mail import ingest
from escala.ops.backup import create_backup
from tests.mail.conftest import raw_mail_on_disk
from tests.ops.conftest import escala
from tests.ops.fingerprint import fingerprint
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def raw_mail(n: int) -> bytes:
    return (
        (
            f"From: Marta <marta{n}@finanzas.example>\r\nTo: soporte@escala.example\r\n"
            f"Subject: Impresora {n}\r\nMessage-ID: <m{n}@finanzas.example>\r\n"
            "Content-Type: text/plain; charset=latin-1\r\n\r\n"
        ).encode()
        + "La impresora no funciona, ¿podéis mirarlo?\r\n".encode("latin-1")
        + bytes([n])
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(params=["database", "disk"])
def raw_store(request, settings, tmp_path) -> str:
    """Where the site keeps raw mail: its database rows, or a raw-mail storage on disk."""
    if request.param == "disk":
        raw_mail_on_disk(settings, tmp_path / "rawmail")
    return request.param


@pytest.fixture
def site(media, raw_store, employee, l1_agent, categories):
    """Tickets with replies, attachments and raw mail, committed (other processes read them)."""
    tickets = []
    for n in range(3):
        tickets.append(
            open_ticket(
                employee,
                subject=f"Ticket {n} — ñandú",
                category=categories["password"],
                attachments=[
                    SimpleUploadedFile(f"captura {n}.png", PNG + bytes([n]), "image/png"),
                    SimpleUploadedFile("notas.txt", f"línea {n}\n".encode(), "text/plain"),
                ],
            )
        )
    for n in range(4):
        ingest.store(raw_mail(n))
    return tickets


def restore_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "ESCALA_VAR_DIR": str(tmp_path / "restored-var"),
        "ESCALA_RAW_MAIL_ROOT": str(tmp_path / "restored-rawmail"),
        "ESCALA_RAW_MAIL_STORE": settings.ESCALA_RAW_MAIL_STORE,
    }


def objects_under(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def restored_fingerprint(env: dict[str, str]) -> dict:
    done = escala(
        "-m", "tests.ops.fingerprint", env={**env, "DJANGO_SETTINGS_MODULE": "escala.settings"}
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_round_trip_restores_every_row_file_and_raw_mail(site, raw_store, tmp_path, other_database):
    archive = tmp_path / "site.tar"
    manifest = create_backup(archive)
    assert manifest["counts"]["tickets"] == 3
    assert manifest["counts"]["attachments"] == 6
    assert manifest["counts"]["raw_mails"] == 4
    assert len([m for m in manifest["members"] if m.startswith("files/")]) == 6
    in_storage = [m for m in manifest["members"] if m.startswith("rawmail/")]
    assert len(in_storage) == (4 if raw_store == "disk" else 0)
    assert len(manifest["raw_mail_sha256"]) == 4
    assert None not in manifest["raw_mail_sha256"].values()
    before = fingerprint()
    env = restore_env(tmp_path, other_database)
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert "identical to the backup" in done.stdout
    after = restored_fingerprint(env)
    assert after == json.loads(json.dumps(before))
    assert len(after["attachment_files"]) == 6
    # The files themselves, byte for byte, where the restored site keeps them.
    for name, digest in before["attachment_files"].items():
        path = Path(env["MEDIA_ROOT"]) / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    # The raw mail objects too, under the same names, in the restored site's storage.
    if raw_store == "disk":
        restored = objects_under(Path(env["ESCALA_RAW_MAIL_ROOT"]))
        assert restored == objects_under(tmp_path / "rawmail")
        assert len(restored) == 4


def test_restore_after_wiping_the_database_and_both_storages_gives_the_same_site(
    site, raw_store, tmp_path, other_database
):
    """The operator's disaster: the database, the attachments and the raw mail are all gone."""
    archive = tmp_path / "site.tar"
    create_backup(archive)
    before = json.loads(json.dumps(fingerprint()))
    env = restore_env(tmp_path, other_database)
    assert escala("-m", "escala.cli", "restore", str(archive), env=env).returncode == 0
    assert escala("-m", "escala.cli", "flush", "--no-input", env=env).returncode == 0
    for folder in (env["MEDIA_ROOT"], env["ESCALA_RAW_MAIL_ROOT"]):
        shutil.rmtree(folder, ignore_errors=True)
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert restored_fingerprint(env) == before


def test_restore_refuses_raw_mail_storage_that_is_not_empty(site, tmp_path, other_database):
    archive = tmp_path / "site.tar"
    create_backup(archive)
    env = restore_env(tmp_path, other_database)
    stray = Path(env["ESCALA_RAW_MAIL_ROOT"]) / "ab" / "cd" / "old.eml"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"From: old@example\r\n\r\nold")
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode != 0
    assert "storage is not empty" in done.stderr


def test_restore_refuses_a_target_with_data_unless_forced(site, tmp_path, other_database):
    archive = tmp_path / "site.tar"
    create_backup(archive)
    env = restore_env(tmp_path, other_database)
    assert escala("-m", "escala.cli", "restore", str(archive), env=env).returncode == 0
    again = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert again.returncode != 0
    assert "not empty" in again.stderr
    forced = escala("-m", "escala.cli", "restore", str(archive), "--force", env=env)
    assert forced.returncode == 0, forced.stderr


def test_restore_refuses_non_empty_storage(site, tmp_path, other_database):
    archive = tmp_path / "site.tar"
    create_backup(archive)
    env = restore_env(tmp_path, other_database)
    stray = Path(env["MEDIA_ROOT"]) / "attachments" / "x" / "old.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF")
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode != 0
    assert "storage is not empty" in done.stderr


def test_a_damaged_archive_changes_nothing(site, tmp_path):
    archive = tmp_path / "site.tar"
    manifest = create_backup(archive)
    damaged = tmp_path / "damaged.tar"
    name = next(m for m in manifest["members"] if m.startswith("files/"))
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == name:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(member, io.BytesIO(data))
    tickets = fingerprint()["tickets"]
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(damaged), "--force")
    assert fingerprint()["tickets"] == tickets


def test_archive_with_an_escaping_path_is_refused(site, tmp_path):
    archive = tmp_path / "site.tar"
    manifest = create_backup(archive)
    manifest["members"]["files/../../etc/passwd"] = {"sha256": "0" * 64, "size": 1}
    evil = tmp_path / "evil.tar"
    with tarfile.open(archive) as src, tarfile.open(evil, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="unsafe"):
        call_command("restore", str(evil), "--force")


def test_backup_while_the_site_writes_is_consistent(site, employee, tmp_path, other_database):
    """A writer keeps filing tickets with attachments during the backup: the archive still holds
    exactly one instant (restore's own check: every count, raw mail and file hash matches)."""
    stop = threading.Event()
    written = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set():
                written.append(
                    open_ticket(
                        employee,
                        subject=f"During backup {n}",
                        attachments=[SimpleUploadedFile(f"f{n}.txt", b"x" * n, "text/plain")],
                    ).pk
                )
                ingest.store(raw_mail(100 + n % 150) + str(n).encode())
                n += 1
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        archive = tmp_path / "busy.tar"
        before = len(written)
        manifest = create_backup(archive)
        after = len(written)
    finally:
        stop.set()
        thread.join()
    tickets = manifest["counts"]["tickets"]
    assert 3 + before <= tickets <= 3 + after + 1  # the instant of the snapshot
    assert manifest["counts"]["attachments"] == 6 + (tickets - 3)
    # Each round files a ticket, then stores a mail: the snapshot may fall between the two.
    assert manifest["counts"]["raw_mails"] in (4 + tickets - 3 - 1, 4 + tickets - 3)
    env = restore_env(tmp_path, other_database)
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    restored = restored_fingerprint(env)
    assert len(restored["tickets"]) == manifest["counts"]["tickets"]
    assert len(restored["attachment_files"]) == manifest["counts"]["attachments"]
