"""Limits: mail size (listener and pipe), attachments per mail, clean file names, no NUL, and
how many automatic answers go out (per sender, per domain), each held one alerting the admins."""

import io
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from escala.mail import ingest, route
from escala.mail.choices import AlertKind, InboundStatus, Outcome
from escala.mail.models import InboundMail, MailAlert, Outbox
from escala.mail.smtp_server import make_controller
from escala.tickets.models import Attachment, Ticket

from .conftest import compose, free_port

# Limits, markers and bounces are the subject here, not who may act: the sender rule is lenient
# (tests/mail/test_sender_auth.py covers it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


# --- size ----------------------------------------------------------------------------------------


def _crlf(raw: bytes) -> bytes:
    """As a mail server sends it (smtplib sends bytes as they are)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.fixture
def small_listener(settings):
    settings.ESCALA_MAIL_MAX_RAW_BYTES = 200_000
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_the_listener_refuses_a_mail_over_the_limit_with_552_and_stores_nothing(
    small_listener, customer
):
    raw = _crlf(compose(sender=customer.email, body=("x" * 75 + "\n") * 4000))
    with smtplib.SMTP("127.0.0.1", small_listener, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("size")
        assert int(smtp.esmtp_features["size"]) == 200_000
        smtp.mail(customer.email)
        smtp.rcpt("soporte@escala.example")
        code, message = smtp.data(raw)
    assert code == 552, message
    assert not InboundMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_listener_refuses_a_declared_size_over_the_limit_before_data(small_listener, customer):
    with smtplib.SMTP("127.0.0.1", small_listener, timeout=30) as smtp:
        smtp.ehlo()
        code, _msg = smtp.mail(customer.email, options=["SIZE=5000000"])
    assert code == 552
    assert not InboundMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_listener_takes_a_mail_under_the_limit_after_refusing_one(small_listener, customer):
    big = _crlf(compose(sender=customer.email, body=("y" * 75 + "\n") * 4000))
    with smtplib.SMTP("127.0.0.1", small_listener, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail(customer.email)  # no SIZE announced: refused at the end of DATA
        smtp.rcpt("soporte@escala.example")
        assert smtp.data(big)[0] == 552
        with pytest.raises(smtplib.SMTPSenderRefused):  # smtplib announces SIZE itself
            smtp.sendmail(customer.email, ["soporte@escala.example"], big)
        smtp.rset()
        smtp.sendmail(customer.email, ["soporte@escala.example"], compose(sender=customer.email))
    assert InboundMail.objects.get().outcome == Outcome.NEW_TICKET


def _stdin(monkeypatch, raw: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def test_the_pipe_refuses_a_mail_over_the_limit_with_ex_dataerr(
    settings, monkeypatch, customer, capsys
):
    settings.ESCALA_MAIL_MAX_RAW_BYTES = 100_000
    _stdin(monkeypatch, compose(sender=customer.email, body="z" * 150_000))
    with pytest.raises(SystemExit) as exited:
        call_command("mail", "ingest")
    assert exited.value.code == 65
    assert "message too large" in capsys.readouterr().err
    assert not InboundMail.objects.exists()


def test_the_pipe_reads_no_more_than_the_limit_from_standard_input(settings, monkeypatch):
    settings.ESCALA_MAIL_MAX_RAW_BYTES = 1000
    source = io.BytesIO(b"x" * 50_000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(source))
    with pytest.raises(SystemExit):
        call_command("mail", "ingest")
    assert source.tell() <= 1001 + 8192  # the limit and one read-ahead buffer at most


def test_the_pipe_files_the_other_files_and_reports_the_large_one(
    settings, customer, tmp_path, capsys
):
    settings.ESCALA_MAIL_MAX_RAW_BYTES = 100_000
    big, small = tmp_path / "big.eml", tmp_path / "small.eml"
    big.write_bytes(compose(sender=customer.email, body="z" * 150_000))
    small.write_bytes(compose(sender=customer.email, subject="pequeño"))
    with pytest.raises(SystemExit) as exited:
        call_command("mail", "ingest", str(big), str(small))
    assert exited.value.code == 65
    assert "big.eml: message too large" in capsys.readouterr().err
    assert Ticket.objects.get().subject == "pequeño"


# --- attachments -------------------------------------------------------------------------------


def test_attachments_over_the_count_limit_are_dropped_with_a_note(settings, customer):
    settings.ESCALA_MAIL_MAX_ATTACHMENTS = 3
    files = [(f"f{i}.txt", "text/plain", f"file {i}".encode()) for i in range(40)]
    mail = ingest.ingest(compose(sender=customer.email, attachments=files))

    assert mail.outcome == Outcome.NEW_TICKET
    first = mail.ticket.messages.order_by("pk").first()
    assert sorted(a.filename for a in first.attachments.all()) == ["f0.txt", "f1.txt", "f2.txt"]
    note = mail.ticket.messages.get(kind="note")
    assert "f3.txt" in note.body
    assert "and 7 more" in note.body
    assert "f3.txt" in mail.notes


def test_a_held_mail_says_its_attachments_would_be_left_out(settings, customer):
    settings.ESCALA_MAIL_MAX_ATTACHMENTS = 2
    settings.ESCALA_MAIL_UNKNOWN_SENDERS = "hold"
    files = [(f"f{i}.txt", "text/plain", b"x") for i in range(5)]
    mail = ingest.ingest(compose(sender="nuevo@desconocido.example", attachments=files))
    assert mail.status == InboundStatus.QUARANTINED
    assert "5 attachments" in mail.notes
    assert "first 2" in mail.notes


# --- file names and NUL ------------------------------------------------------------------------


def _with_raw_filename(customer, filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = customer.email
    msg["To"] = "soporte@escala.example"
    msg["Subject"] = "Adjunto"
    msg["Message-ID"] = "<nombre@client.example>"
    msg.set_content("Adjunto el fichero.")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("factura\u202efdp.exe.pdf", "facturafdp.exe.pdf"),
        ("a\u2066b\u2069c\u200e\u200f.pdf", "abc.pdf"),
        ("../../etc/informe.pdf", "informe.pdf"),
        ('<b>"x".pdf', "_b__x_.pdf"),
    ],
)
def test_stored_attachment_names_are_cleaned(customer, filename, stored):
    mail = ingest.ingest(_with_raw_filename(customer, filename))
    assert Attachment.objects.get(message__ticket=mail.ticket).filename == stored


def test_control_characters_never_reach_a_stored_name(customer):
    mail = ingest.ingest(_with_raw_filename(customer, "a\x01b\x7fc\x9d.pdf"))
    name = Attachment.objects.get(message__ticket=mail.ticket).filename
    assert name.endswith(".pdf")
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in name)


def test_a_very_long_attachment_name_is_shortened_and_keeps_its_extension(customer):
    mail = ingest.ingest(_with_raw_filename(customer, "ñ" * 400 + ".pdf"))
    name = Attachment.objects.get(message__ticket=mail.ticket).filename
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 200


def _tnef_with_names(names: list[str]) -> bytes:
    """A minimal winmail.dat (TNEF) with one attachment per name, as Outlook writes them."""
    import struct

    def attr(level: int, kind: int, ident: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        head = struct.pack("<BII", level, (kind << 16) | ident, len(data))
        return head + data + struct.pack("<H", checksum)

    out = struct.pack("<IH", 0x223E9F78, 1)
    out += attr(1, 0x0008, 0x9006, b"\x00\x00\x00\x00")  # attTnefVersion (message level)
    for name in names:
        out += attr(2, 0x0006, 0x9002, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # attAttachRenddata
        out += attr(2, 0x0001, 0x8010, name.encode("latin-1") + b"\x00")  # attAttachTitle
        out += attr(2, 0x0006, 0x800F, b"hello")  # attAttachData
    return out


def test_tnef_unpacked_names_are_cleaned_too(customer, settings):
    settings.ESCALA_ALLOWED_ATTACHMENT_TYPES = [*settings.ESCALA_ALLOWED_ATTACHMENT_TYPES]
    msg = EmailMessage()
    msg["From"] = customer.email
    msg["To"] = "soporte@escala.example"
    msg["Subject"] = "Outlook"
    msg["Message-ID"] = "<tnef-names@client.example>"
    msg.set_content("Adjuntos.")
    msg.add_attachment(
        _tnef_with_names(['in\x00fo<1>"x".txt']),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    mail = ingest.ingest(msg.as_bytes())
    assert mail.status == InboundStatus.PROCESSED, mail.reason
    names = list(
        Attachment.objects.filter(message__ticket=mail.ticket).values_list("filename", flat=True)
    )
    assert len(names) == 1
    assert not set(names[0]) & set('\x00<>"'), names
    assert names[0].endswith(".txt")


NUL_MAIL = (
    b"From: =?utf-8?q?Ana=00_Nul?= <ana@nul.example>\r\n"
    b"To: soporte@escala.example\r\n"
    b"Subject: =?utf-8?q?Asunto=00con_nulo?=\r\n"
    b"Message-ID: <nul\x00id@nul.example>\r\n"
    b"X-Extra: =?utf-8?q?a=00b?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHola\x00 mundo\r\n"
    b"--b\r\nContent-Type: text/plain\r\n"
    b'Content-Disposition: attachment; filename="=?utf-8?q?no=00ta.txt?="\r\n\r\nnota\r\n'
    b"--b--\r\n"
)


def test_nul_anywhere_in_a_mail_never_quarantines_it():
    mail = ingest.ingest(NUL_MAIL)
    assert (mail.status, mail.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET), mail.reason
    assert "\x00" not in mail.ticket.subject + mail.ticket.requester.name + mail.message_id
    name = Attachment.objects.get(message__ticket=mail.ticket).filename
    assert "\x00" not in name
    assert name.endswith("ta.txt")


def test_retry_files_an_old_mail_quarantined_for_a_nul(monkeypatch):
    # As before the fix: processing failed on the NUL, and the mail was quarantined.
    monkeypatch.setattr(route, "scrub_nul", lambda parsed: 1 / 0)
    mail = ingest.ingest(NUL_MAIL)
    assert mail.status == InboundStatus.QUARANTINED
    monkeypatch.undo()

    call_command("mail", "retry", str(mail.pk))
    mail.refresh_from_db()
    assert (mail.status, mail.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)


# --- acknowledgements -----------------------------------------------------------------------


def _receipts(to: str | None = None) -> int:
    rows = Outbox.objects.filter(kind="received")
    return (rows.filter(to__iexact=to) if to else rows).count()


def test_one_acknowledgement_per_sender_per_window_and_an_alert(customer, frozen_clock, settings):
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    for i in range(3):
        mail = ingest.ingest(compose(sender=customer.email, subject=f"consulta {i}"))
        assert mail.outcome == Outcome.NEW_TICKET  # every mail is filed
    assert Ticket.objects.count() == 3
    assert _receipts(customer.email) == 1
    alert = MailAlert.objects.get()
    assert (alert.kind, alert.key, alert.count) == (AlertKind.ACK_SENDER, customer.email, 2)

    frozen_clock.advance(seconds=601)
    ingest.ingest(compose(sender=customer.email, subject="más tarde"))
    assert _receipts(customer.email) == 2


def test_the_acknowledgement_limit_holds_inside_one_batch(customer, settings):
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    raws = [compose(sender=customer.email, subject=f"lote {i}") for i in range(4)]
    mails = ingest.process_batch(ingest.store_many(raws))
    assert [m.outcome for m in mails] == [Outcome.NEW_TICKET] * 4
    assert _receipts() == 1
    assert MailAlert.objects.get(kind=AlertKind.ACK_SENDER).count == 3


def test_a_domain_flood_is_filed_without_acknowledgements(settings):
    settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = 5
    raws = [compose(sender=f"user{i}@flood.example", subject=f"caída {i}") for i in range(35)]
    mails = ingest.process_batch(ingest.store_many(raws))
    assert all(m.outcome == Outcome.NEW_TICKET for m in mails)  # nothing is lost
    assert Ticket.objects.count() == 35
    assert _receipts() == 5
    alert = MailAlert.objects.get()
    assert (alert.kind, alert.key, alert.count) == (AlertKind.ACK_DOMAIN, "flood.example", 30)
    # And one by one, after the batch, too.
    ingest.ingest(compose(sender="late@flood.example", subject="otra"))
    assert _receipts() == 5


def test_an_exempt_domain_is_not_counted_as_a_flood(settings):
    settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = 2
    settings.ESCALA_MAIL_DOMAIN_FLOOD_EXEMPT = ["big.example"]
    for i in range(4):
        ingest.ingest(compose(sender=f"p{i}@big.example", subject=f"x {i}"))
    assert _receipts() == 4
    assert not MailAlert.objects.exists()


def test_two_help_desks_answering_each_other_stop_after_the_first_exchange(settings):
    """The other desk answers every mail it gets with a new 'ticket opened' mail, without any
    automatic-reply marker: our receipt is its only food, and it gets one."""
    settings.ESCALA_MAIL_RATE_LIMIT = 1000
    other = "helpdesk@otra-empresa.example"
    ingest.ingest(compose(sender=other, subject="Solicitud 1"))
    for round_ in range(2, 12):
        sent_to_them = _receipts(other)
        if sent_to_them < round_ - 1:
            break  # we sent nothing new: they have nothing to answer
        ingest.ingest(compose(sender=other, subject=f"[OTRA-{round_}] Recibida su solicitud"))
    assert _receipts(other) == 1
    assert MailAlert.objects.filter(kind=AlertKind.ACK_SENDER, key=other).exists()


def test_a_sender_over_the_rate_limit_raises_an_alert(settings, customer):
    settings.ESCALA_MAIL_RATE_LIMIT = 1
    ingest.ingest(compose(sender=customer.email, subject="uno"))
    held = ingest.ingest(compose(sender=customer.email, subject="dos"))
    assert held.outcome == Outcome.RATE_LIMITED
    assert MailAlert.objects.get(kind=AlertKind.SENDER_RATE).key == customer.email


def test_the_acknowledgement_limits_read_once_per_batch(
    customer, settings, django_assert_max_num_queries
):
    settings.ESCALA_MAIL_ACK_WINDOW = 0
    settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = 0
    warm = ingest.store_many([compose(sender=customer.email, subject="warm")])
    ingest.process_batch(warm)
    raws = [compose(sender=f"q{i}@limits.example", subject=f"S {i}") for i in range(4)]
    off = ingest.store_many(raws)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        ingest.process_batch(off)
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = 20
    on = ingest.store_many(
        [compose(sender=f"r{i}@limits.example", subject=f"T {i}") for i in range(4)]
    )
    with django_assert_max_num_queries(len(without.captured_queries) + 2):
        ingest.process_batch(on)


# --- the pipe and a database it cannot open ----------------------------------------------------


def test_the_pipe_exits_75_without_a_traceback_when_the_sqlite_file_cannot_be_opened(tmp_path):
    mail_file = tmp_path / "m.eml"
    mail_file.write_bytes(compose(sender="a@b.example"))
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/escala.sqlite3",
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x",
    }
    for args in ([str(mail_file)], []):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "escala.cli", "mail", "ingest", *args],
            env=env,
            input=mail_file.read_bytes(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 75, result.stderr.decode()[-2000:]
        assert b"Traceback" not in result.stderr
        assert b"try again later" in result.stderr


def test_the_pipe_exits_75_when_the_sqlite_file_is_not_a_database(tmp_path):
    broken = tmp_path / "escala.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    env = {"DATABASE_URL": f"sqlite:///{broken}", "PATH": "/usr/bin:/bin", "SECRET_KEY": "x"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "escala.cli", "mail", "ingest"],
        env=env,
        input=compose(sender="a@b.example"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 75, result.stderr.decode()[-2000:]
    assert b"Traceback" not in result.stderr
