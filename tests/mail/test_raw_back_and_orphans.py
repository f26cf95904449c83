"""The raw-mail storage's way back and its leftovers (escala/mail/rawstore.py): `mail move-raw
--to-database` and `mail raw-orphans [--delete]`, never deleting what a row names or is about
to name."""

import hashlib
import os
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from escala.mail import ingest, rawstore
from escala.mail.models import InboundMail

from .conftest import compose, raw_mail_on_disk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]

DAY = 24 * 3600


def column(pk: int) -> bytes:
    return bytes(InboundMail.objects.filter(pk=pk).values_list("raw_column", flat=True).get())


def stored_in_storage(settings, root, customer, n: int) -> list[tuple[int, bytes]]:  # noqa: ANN001
    raw_mail_on_disk(settings, root)
    raws = [compose(sender=customer.email, subject=f"En el almacén {i}") for i in range(n)]
    return [(ingest.store(raw)[0].pk, raw) for raw in raws]


def objects(root) -> list:  # noqa: ANN001
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def age(path, days: float) -> None:  # noqa: ANN001
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def orphan(root, raw: bytes, *, days: float = 8) -> str:  # noqa: ANN001
    """An object written for a mail whose row was never inserted, `days` ago."""
    digest = hashlib.sha256(raw).hexdigest()
    name = rawstore.name_for(digest)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(raw)
    age(root / name, days)
    return name


# --- move-raw --to-database ---------------------------------------------------------------------


def test_move_back_refuses_while_new_mail_would_still_go_to_the_storage(settings, tmp_path):
    raw_mail_on_disk(settings, tmp_path / "raw")
    with pytest.raises(CommandError, match="ESCALA_RAW_MAIL_STORE=database"):
        call_command("mail", "move-raw", "--to-database")


def test_move_raw_asks_for_exactly_one_way(settings, tmp_path):
    with pytest.raises(CommandError):
        call_command("mail", "move-raw")
    with pytest.raises(CommandError):
        call_command("mail", "move-raw", "--to-storage", "--to-database")


def test_move_back_moves_in_batches_resumes_and_changes_nothing_when_run_again(
    settings, tmp_path, customer, capsys
):
    root = tmp_path / "raw"
    kept = stored_in_storage(settings, root, customer, 5)
    assert len(objects(root)) == 5
    settings.ESCALA_RAW_MAIL_STORE = "database"
    call_command("mail", "move-raw", "--to-database", "--batch", "2", "--limit", "3")
    assert InboundMail.objects.exclude(raw_key="").count() == 2  # interrupted after 3
    assert len(objects(root)) == 2  # the moved ones' objects are deleted
    call_command("mail", "move-raw", "--to-database", "--batch", "2")
    assert "moved 2 raw mails" in capsys.readouterr().out
    for pk, raw in kept:
        mail = InboundMail.objects.get(pk=pk)
        assert mail.raw_key == ""
        assert column(pk) == raw
        assert bytes(mail.raw) == raw
        assert mail.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert objects(root) == []
    call_command("mail", "move-raw", "--to-database")
    assert "moved 0 raw mails" in capsys.readouterr().out
    # And there again: the two ways undo each other.
    raw_mail_on_disk(settings, root)
    call_command("mail", "move-raw", "--to-storage")
    assert len(objects(root)) == 5
    assert all(bytes(InboundMail.objects.get(pk=pk).raw) == raw for pk, raw in kept)


def test_move_back_counts_a_damaged_object_and_moves_the_rest(settings, tmp_path, customer, capsys):
    root = tmp_path / "raw"
    (bad, _raw), (good, raw) = stored_in_storage(settings, root, customer, 2)
    damaged_key = InboundMail.objects.get(pk=bad).raw_key
    (root / damaged_key).write_bytes(b"not the mail")
    settings.ESCALA_RAW_MAIL_STORE = "database"
    call_command("mail", "move-raw", "--to-database")
    captured = capsys.readouterr()
    assert "moved 1 raw mails" in captured.out
    assert "1 raw mails were not moved" in captured.err
    assert column(good) == raw
    assert InboundMail.objects.get(pk=bad).raw_key == damaged_key  # still named, for a person
    assert objects(root) == [damaged_key]


def test_move_back_leaves_a_mail_erased_meanwhile(settings, tmp_path, customer, monkeypatch):
    root = tmp_path / "raw"
    ((pk, _raw),) = stored_in_storage(settings, root, customer, 1)
    settings.ESCALA_RAW_MAIL_STORE = "database"
    real_read = rawstore.read_object

    def read_then_erase(name, sha256=""):  # noqa: ANN001, ANN202
        data = real_read(name, sha256)
        InboundMail.objects.filter(pk=pk).update(raw_column=b"", raw_key="", size=0)
        return data

    monkeypatch.setattr(rawstore, "read_object", read_then_erase)
    done = rawstore.move_to_database()
    assert (done["moved"], done["skipped"]) == (0, 1)
    assert column(pk) == b""  # the erased bytes never come back
    assert objects(root) == []


def test_move_back_after_a_crash_before_deleting_leaves_an_orphan_to_list(
    settings, tmp_path, customer, monkeypatch
):
    root = tmp_path / "raw"
    ((pk, raw),) = stored_in_storage(settings, root, customer, 1)
    settings.ESCALA_RAW_MAIL_STORE = "database"

    def killed(keys, **kwargs):  # noqa: ANN001, ANN202
        raise SystemExit("killed between the commit and the deletion")

    monkeypatch.setattr(rawstore, "_delete_unreferenced", killed)
    with pytest.raises(SystemExit):
        rawstore.move_to_database()
    assert column(pk) == raw  # moved: committed
    [left] = objects(root)
    age(root / left, 8)
    settings.ESCALA_RAW_MAIL_STORE = "storage"
    assert rawstore.find_orphans().found == [left]


# --- raw-orphans --------------------------------------------------------------------------------


def test_orphans_are_objects_no_row_names_older_than_the_grace(
    settings, tmp_path, customer, capsys
):
    root = tmp_path / "raw"
    ((named_pk, _raw),) = stored_in_storage(settings, root, customer, 1)
    named = InboundMail.objects.get(pk=named_pk).raw_key
    age(root / named, 30)  # old, but a row names it
    old = orphan(root, b"From: x@example.com\r\n\r\nnunca guardado\r\n")
    recent = orphan(root, b"From: y@example.com\r\n\r\nreciente\r\n", days=0.5)
    # Not Escala's: other files under the storage's root are never listed nor deleted.
    (root / "README.txt").write_text("mine")
    (root / "ab" / "cd").mkdir(parents=True, exist_ok=True)
    (root / "ab" / "cd" / "notes.eml").write_text("mine")
    bad_folder = "0" * 64
    (root / "ff" / "ee").mkdir(parents=True)
    (root / "ff" / "ee" / f"{bad_folder}.eml").write_text("not under its own hash")
    for extra in ("README.txt", "ab/cd/notes.eml", f"ff/ee/{bad_folder}.eml"):
        age(root / extra, 30)

    call_command("mail", "raw-orphans")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == old
    assert "1 orphan objects (run with --delete" in out
    assert "1 unnamed but newer than 7 days left alone" in out
    assert (root / old).exists()  # listing deletes nothing

    call_command("mail", "raw-orphans", "--delete")
    assert "deleted 1 orphan objects" in capsys.readouterr().out
    assert not (root / old).exists()
    for kept in (named, recent, "README.txt", "ab/cd/notes.eml", f"ff/ee/{bad_folder}.eml"):
        assert (root / kept).exists(), kept
    assert bytes(InboundMail.objects.get(pk=named_pk).raw)  # still readable


def test_an_orphan_delivered_again_is_in_use_and_never_deleted(settings, tmp_path, customer):
    # The very case orphans come from: the row failed, the sender retries days later.
    root = tmp_path / "raw"
    raw_mail_on_disk(settings, root)
    raw = compose(sender=customer.email, subject="Reintento del remitente")
    name = orphan(root, raw, days=30)
    mail, created = ingest.store(raw)  # the retry finds its object written: touched, reused
    assert created
    assert mail.raw_key == name
    InboundMail.objects.filter(pk=mail.pk).delete()  # even were its row gone again at once
    result = rawstore.find_orphans(delete=True)
    assert (result.found, result.recent) == ([], 1)
    assert (root / name).read_bytes() == raw


def test_a_row_inserted_while_orphans_are_deleted_keeps_its_object(
    settings, tmp_path, customer, monkeypatch
):
    root = tmp_path / "raw"
    raw_mail_on_disk(settings, root)
    raw = compose(sender=customer.email, subject="Justo a tiempo")
    name = orphan(root, raw)
    real_unnamed = rawstore._unnamed
    calls = []

    def row_arrives_before_the_deletion(keys):  # noqa: ANN001, ANN202
        calls.append(keys)
        if len(calls) == 2:  # the check right before deleting: the mail's row is in now
            monkeypatch.setattr(rawstore, "_touch", lambda store, name: True)  # no new time
            ingest.store(raw)
        return real_unnamed(keys)

    monkeypatch.setattr(rawstore, "_unnamed", row_arrives_before_the_deletion)
    result = rawstore.find_orphans(delete=True)
    assert len(calls) == 2
    assert (result.deleted, result.found) == (0, [])
    assert bytes(InboundMail.objects.get(raw_key=name).raw) == raw


def test_an_object_gone_while_it_is_reused_is_written_again(
    settings, tmp_path, customer, monkeypatch
):
    root = tmp_path / "raw"
    raw_mail_on_disk(settings, root)
    raw = compose(sender=customer.email)
    name = orphan(root, raw)
    real_utime = os.utime

    def deleted_first(path, *args, **kwargs):  # noqa: ANN001, ANN202
        os.remove(path)  # an orphan deletion won the race
        return real_utime(path, *args, **kwargs)

    monkeypatch.setattr(rawstore.os, "utime", deleted_first)
    assert rawstore.put(raw, hashlib.sha256(raw).hexdigest()) == name
    monkeypatch.undo()
    assert (root / name).read_bytes() == raw


def test_raw_orphans_refuses_a_grace_shorter_than_a_day(settings, tmp_path):
    raw_mail_on_disk(settings, tmp_path / "raw")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("mail", "raw-orphans", "--grace-days", "0")


def test_raw_orphans_on_an_empty_or_missing_storage_finds_nothing(settings, tmp_path, capsys):
    raw_mail_on_disk(settings, tmp_path / "never-created")
    call_command("mail", "raw-orphans", "--delete")
    assert "deleted 0 orphan objects" in capsys.readouterr().out
