"""Raw mail in the raw-mail storage (escala/mail/rawstore.py) instead of the database row: written
before the row, content-addressed, read back wherever it lives, refused for later when the
storage is down, erased with the person, and moved out of the database by `mail move-raw`."""

import hashlib
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from escala.mail import imap, ingest, rawstore
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.leftovers import process_leftovers
from escala.mail.models import InboundMail
from escala.mail.smtp_server import _store_and_process
from escala.privacy.actions import erase_requester
from escala.privacy.export import export_requester
from escala.tickets.models import Ticket

from .conftest import compose, raw_mail_on_disk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture(autouse=True)
def _database_by_default(settings) -> None:
    """The default of a site without object storage, whatever the environment of the run."""
    settings.ESCALA_RAW_MAIL_STORE = "database"


def column(mail: InboundMail) -> bytes:
    """What the database row itself holds."""
    return bytes(InboundMail.objects.filter(pk=mail.pk).values_list("raw_column", flat=True).get())


def object_path(root, mail: InboundMail):  # noqa: ANN001, ANN201
    return root / mail.raw_key


@pytest.fixture
def broken_storage(settings, tmp_path):
    """A raw-mail storage that cannot be written: its folder is a plain file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    raw_mail_on_disk(settings, blocker)
    return blocker


def test_by_default_raw_mail_stays_in_the_database_row(customer):
    raw = compose(sender=customer.email)
    mail, _created = ingest.store(raw)
    assert mail.raw_key == ""
    assert column(mail) == raw
    assert mail.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_raw_mail_goes_to_the_storage_under_its_sha256_and_is_filed_from_there(
    raw_on_disk, customer
):
    raw = compose(sender=customer.email, subject="Desde el almacén")
    mail, created = ingest.store(raw)
    digest = hashlib.sha256(raw).hexdigest()
    assert created
    assert mail.raw_key == f"{digest[:2]}/{digest[2:4]}/{digest}.eml"
    assert object_path(raw_on_disk, mail).read_bytes() == raw
    assert column(mail) == b""  # not in the database as well
    processed = ingest.process(mail.pk)
    assert processed.outcome == Outcome.NEW_TICKET
    assert Ticket.objects.get().subject == "Desde el almacén"
    fresh = InboundMail.objects.get(pk=mail.pk)
    assert bytes(fresh.raw) == raw
    assert column(fresh) == b""  # saving the processed row did not copy the bytes back


def test_the_object_name_never_comes_from_the_sender(raw_on_disk, customer):
    raw = compose(sender=customer.email, subject="../../../etc/passwd").replace(
        b"Message-ID: <", b"Message-ID: <../../evil/"
    )
    mail, _created = ingest.store(raw)
    assert ".." not in mail.raw_key
    assert mail.raw_key.endswith(f"{mail.raw_sha256}.eml")
    assert [p for p in raw_on_disk.rglob("*") if p.is_file()] == [raw_on_disk / mail.raw_key]


def test_a_second_delivery_is_counted_and_writes_no_second_object(raw_on_disk, customer):
    raw = compose(sender=customer.email)
    first = ingest.ingest(raw)
    again, created = ingest.store(raw)
    assert not created
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.duplicate_count == 1
    assert len([p for p in raw_on_disk.rglob("*.eml")]) == 1


def test_a_batch_from_the_pipe_is_stored_and_filed_from_the_storage(raw_on_disk, customer):
    raws = [compose(sender=customer.email, subject=f"Lote {i}") for i in range(3)]
    ids, parsed = ingest.store_and_parse(raws)
    mails = ingest.process_batch(ids, parsed)
    assert {m.outcome for m in mails} == {Outcome.NEW_TICKET}
    for pk, raw in zip(ids, raws, strict=True):
        assert bytes(InboundMail.objects.get(pk=pk).raw) == raw
    assert len(list(raw_on_disk.rglob("*.eml"))) == 3


def test_when_the_storage_is_down_nothing_is_stored_and_the_pipe_exits_75(
    broken_storage, customer, tmp_path, capsys
):
    with pytest.raises(rawstore.Unavailable):
        ingest.store(compose(sender=customer.email))
    assert not InboundMail.objects.exists()
    mail_file = tmp_path / "m.eml"
    mail_file.write_bytes(compose(sender=customer.email, subject="Otra"))
    with pytest.raises(SystemExit) as exit_:
        call_command("mail", "ingest", str(mail_file))
    assert exit_.value.code == 75
    assert "raw mail storage unavailable, try again later" in capsys.readouterr().err
    assert not InboundMail.objects.exists()


def test_when_the_storage_is_down_the_smtp_listener_answers_a_temporary_failure(
    broken_storage, customer, monkeypatch
):
    from escala.mail import smtp_server

    # The listener's own thread closes its connections; here it shares the test's.
    monkeypatch.setattr(smtp_server, "close_old_connections", lambda: None)
    answer = _store_and_process([compose(sender=customer.email)], customer.email, [], None)
    assert answer.startswith("451 ")
    assert not InboundMail.objects.exists()


class FakeImap:
    """An IMAP server holding one unseen message; records what the poll did to it."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.commands: list[tuple] = []

    def select(self, folder):  # noqa: ANN001, ANN201
        return "OK", [b"1"]

    def uid(self, command, *args):  # noqa: ANN001, ANN201
        self.commands.append((command, *args))
        if command == "SEARCH":
            return "OK", [b"7"]
        if command == "FETCH":
            return "OK", [(b"7 (BODY[] {n}", self.raw), b")"]
        return "OK", []

    def expunge(self):  # noqa: ANN201
        self.commands.append(("EXPUNGE",))

    def logout(self):  # noqa: ANN201
        return "BYE", []


def test_when_the_storage_is_down_imap_leaves_the_mail_on_the_server(
    broken_storage, settings, customer, monkeypatch
):
    from escala.mail.models import Mailbox

    box = Mailbox.objects.create(name="Soporte", address="soporte@escala.example", imap_host="x")
    server = FakeImap(compose(sender=customer.email))
    monkeypatch.setattr(imap, "_connect", lambda box: server)
    lines = imap.poll_all()
    assert "failed" in lines[0]
    assert [c[0] for c in server.commands] == ["SEARCH", "FETCH"]  # never flagged nor moved
    assert not InboundMail.objects.exists()
    raw_mail_on_disk(settings, broken_storage.parent / "ok")  # the storage is back
    box.refresh_from_db()
    assert imap.poll(box) == {"stored": 1, "duplicates": 0}
    assert ("STORE", b"7", "+FLAGS.SILENT", r"(\Seen)") in server.commands


def test_a_received_mail_whose_storage_is_down_waits_for_the_leftovers_job(
    raw_on_disk, customer, settings
):
    settings.ESCALA_MAIL_LEFTOVER_AFTER = 0
    mail, _created = ingest.store(compose(sender=customer.email))
    real = raw_on_disk.rename(raw_on_disk.with_name("away"))
    with pytest.raises(rawstore.Unavailable):
        ingest.process(mail.pk)
    mail.refresh_from_db()
    assert mail.status == InboundStatus.RECEIVED  # not lost, not quarantined: later
    real.rename(raw_on_disk)
    assert process_leftovers() == 1
    mail.refresh_from_db()
    assert mail.status == InboundStatus.PROCESSED


def test_a_damaged_object_is_never_served_as_the_mail(raw_on_disk, customer, client, l1_agent):
    mail, _created = ingest.store(compose(sender=customer.email))
    object_path(raw_on_disk, mail).write_bytes(b"From: someone@else.example\r\n\r\nswapped")
    with pytest.raises(rawstore.Unavailable, match="SHA-256"):
        bytes(InboundMail.objects.get(pk=mail.pk).raw)
    client.force_login(l1_agent.user)
    response = client.get(reverse("mail:raw", args=[mail.pk]))
    assert response.status_code == 503
    assert b"swapped" not in response.content


def test_the_quarantine_shows_retries_and_downloads_a_mail_kept_in_storage(
    raw_on_disk, settings, client, l1_agent, customer
):
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = ["fibrarapida.example"]
    raw = compose(sender="alguien@desconocido.example", subject="Retenido en el almacén")
    held = ingest.ingest(raw)
    assert held.status == InboundStatus.QUARANTINED
    client.force_login(l1_agent.user)
    assert "Retenido en el almacén" in client.get(reverse("mail:detail", args=[held.pk])).text
    download = client.get(reverse("mail:raw", args=[held.pk]))
    assert download.status_code == 200
    assert download.content == raw
    assert "sandbox" in download["Content-Security-Policy"]
    requester = client.__class__()
    requester.force_login(customer.user)
    assert requester.get(reverse("mail:raw", args=[held.pk])).status_code == 403
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = []
    client.post(reverse("mail:act", args=[held.pk]), {"action": "retry"})
    held.refresh_from_db()
    assert held.status == InboundStatus.PROCESSED


def test_the_duplicates_listing_reads_no_raw_mail(raw_on_disk, client, l1_agent, customer):
    raw = compose(sender=customer.email, subject="Dos veces")
    ingest.ingest(raw)
    ingest.store(raw)
    client.force_login(l1_agent.user)
    page = client.get(reverse("mail:quarantine") + "?status=duplicates")
    assert "Dos veces" in page.text


def test_export_and_erasure_reach_the_raw_mail_in_storage(
    raw_on_disk, employee, django_capture_on_commit_callbacks
):
    raw = compose(sender=employee.email, subject="Soy Marta", body="Hola, soy Marta Gómez.")
    mail = ingest.ingest(raw)
    out = io.BytesIO()
    export_requester(requester=employee, by=None, out=out)
    with zipfile.ZipFile(out) as archive:
        assert archive.read(f"mail/{mail.pk}.eml") == raw
    path = object_path(raw_on_disk, mail)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        record = erase_requester(requester=employee, by=None, reason="RGPD-7")
    assert record.details["raw_mails_emptied"] == 1
    assert not path.exists()  # the object is gone from the storage, not only the row
    mail.refresh_from_db()
    assert (mail.raw_key, mail.raw_sha256, bytes(mail.raw)) == ("", "", b"")


def test_an_erasure_the_storage_cannot_complete_changes_nothing(raw_on_disk, employee, monkeypatch):
    mail = ingest.ingest(compose(sender=employee.email, subject="Soy Marta"))

    def refuse(name):  # noqa: ANN001, ANN202
        raise PermissionError("read-only bucket")

    monkeypatch.setattr(rawstore.storage(), "delete", refuse)
    with pytest.raises(rawstore.Unavailable):
        erase_requester(requester=employee, by=None, reason="RGPD-8")
    mail.refresh_from_db()
    assert mail.raw_key
    assert object_path(raw_on_disk, mail).exists()
    employee.refresh_from_db()
    assert "erased" not in employee.email


# --- moving an installation's raw mail out of the database -----------------------------------


def stored_in_database(customer, n: int) -> list[tuple[int, bytes]]:  # noqa: ANN001
    raws = [compose(sender=customer.email, subject=f"Antiguo {i}") for i in range(n)]
    return [(ingest.store(raw)[0].pk, raw) for raw in raws]


def test_move_raw_refuses_while_new_mail_would_still_go_to_the_database(customer):
    with pytest.raises(CommandError, match="ESCALA_RAW_MAIL_STORE=storage"):
        call_command("mail", "move-raw", "--to-storage")


def test_move_raw_moves_in_batches_resumes_and_changes_nothing_when_run_again(
    settings, tmp_path, customer, capsys
):
    old = stored_in_database(customer, 5)
    emptied = ingest.store(compose(sender=customer.email, subject="Borrado"))[0]
    InboundMail.objects.filter(pk=emptied.pk).update(raw_column=b"", size=0)  # an erased one
    root = raw_mail_on_disk(settings, tmp_path / "moved")
    call_command("mail", "move-raw", "--to-storage", "--batch", "2", "--limit", "3")
    assert InboundMail.objects.exclude(raw_key="").count() == 3  # interrupted after 3
    call_command("mail", "move-raw", "--to-storage", "--batch", "2")
    assert "moved 2 raw mails" in capsys.readouterr().out
    for pk, raw in old:
        mail = InboundMail.objects.get(pk=pk)
        assert column(mail) == b""
        assert (root / mail.raw_key).read_bytes() == raw
        assert bytes(mail.raw) == raw
        assert mail.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert InboundMail.objects.get(pk=emptied.pk).raw_key == ""
    files = sorted(p.read_bytes() for p in root.rglob("*.eml"))
    call_command("mail", "move-raw", "--to-storage")
    assert "moved 0 raw mails" in capsys.readouterr().out
    assert sorted(p.read_bytes() for p in root.rglob("*.eml")) == files


def test_move_raw_after_a_crash_between_object_and_row_reuses_the_object(
    settings, tmp_path, customer, monkeypatch
):
    ((pk, raw),) = stored_in_database(customer, 1)
    root = raw_mail_on_disk(settings, tmp_path / "moved")
    real_name_objects = rawstore._name_objects

    def killed(written, done):  # noqa: ANN001, ANN202
        raise SystemExit("killed between writing the objects and naming them")

    monkeypatch.setattr(rawstore, "_name_objects", killed)
    with pytest.raises(SystemExit):
        rawstore.move_to_storage()
    monkeypatch.setattr(rawstore, "_name_objects", real_name_objects)
    assert InboundMail.objects.get(pk=pk).raw_key == ""  # the row still holds the bytes
    assert len(list(root.rglob("*.eml"))) == 1
    assert rawstore.move_to_storage()["moved"] == 1
    assert len(list(root.rglob("*.eml"))) == 1
    assert bytes(InboundMail.objects.get(pk=pk).raw) == raw


def test_move_raw_leaves_a_mail_erased_meanwhile_and_deletes_its_object(
    settings, tmp_path, customer, monkeypatch
):
    ((pk, _raw),) = stored_in_database(customer, 1)
    root = raw_mail_on_disk(settings, tmp_path / "moved")
    real_put = rawstore.put

    def put_then_erase(raw, sha256):  # noqa: ANN001, ANN202
        name = real_put(raw, sha256)
        InboundMail.objects.filter(pk=pk).update(raw_column=b"", size=0)  # erased meanwhile
        return name

    monkeypatch.setattr(rawstore, "put", put_then_erase)
    done = rawstore.move_to_storage()
    assert (done["moved"], done["skipped"]) == (0, 1)
    assert InboundMail.objects.get(pk=pk).raw_key == ""
    assert not list(root.rglob("*.eml"))  # no copy of the erased mail is left behind


def test_move_raw_through_the_pipe_command_prints_progress(settings, tmp_path, customer, capsys):
    stored_in_database(customer, 2)
    raw_mail_on_disk(settings, tmp_path / "moved")
    call_command("mail", "move-raw", "--to-storage")
    out = capsys.readouterr().out
    assert "moved 2 raw mails" in out
    assert "so far, up to id" in out


@pytest.mark.parametrize("action", ["anonymize", "delete"])
def test_retention_removes_the_raw_mail_of_old_tickets_from_the_storage(
    raw_on_disk, settings, customer, frozen_clock, action
):
    from datetime import timedelta

    from escala.privacy.retention import apply_retention
    from escala.tickets.choices import Status

    settings.ESCALA_RETENTION_DAYS = 30
    settings.ESCALA_RETENTION_ACTION = action
    old = ingest.ingest(compose(sender=customer.email, subject="Viejo"))
    recent = ingest.ingest(compose(sender=customer.email, subject="Reciente"))
    Ticket.objects.filter(pk=old.ticket_id).update(
        status=Status.CLOSED, closed_at=frozen_clock() - timedelta(days=40)
    )
    assert apply_retention(frozen_clock())["tickets"] == 1
    assert not object_path(raw_on_disk, old).exists()
    assert object_path(raw_on_disk, recent).exists()
    assert bytes(InboundMail.objects.get(pk=recent.pk).raw).startswith(b"From:")
