"""Mail fixtures: raw mails built like a client would, and a real SMTP server on loopback."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from .dkimkeys import FakeDNS, sign

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The personas' passwords do not need a slow hash here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ESCALA_MAIL_ADDRESS = "soporte@escala.example"
    settings.ESCALA_MAIL_STRANGER_REPLY = "new_ticket"
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = []
    settings.ESCALA_MAIL_NOTIFY = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    # The safe default, as in production: mail that no mailbox claims needs a verified sender.
    settings.ESCALA_MAIL_SENDER_POLICY = "strict"
    settings.ESCALA_MAIL_TRUSTED_AUTHSERV_IDS = []


@pytest.fixture(autouse=True)
def dns() -> Iterator[FakeDNS]:
    """The name server every sender check asks: empty until a test publishes keys in it."""
    from escala.mail import authn, thread_match

    # A rolled-back test sends no delete signal: forget the mailboxes an earlier test read.
    thread_match.clear_cache()
    fake = FakeDNS()
    with authn.resolver(fake):
        yield fake
    thread_match.clear_cache()


@pytest.fixture
def lenient(settings) -> None:
    """Mail that no mailbox claims is taken from anyone (the old behaviour), for the tests whose
    subject is threading, parsing or limits rather than who the sender is."""
    settings.ESCALA_MAIL_SENDER_POLICY = "lenient"


def signed(raw: bytes, dns: FakeDNS, domain: str | None = None) -> bytes:
    """The mail DKIM-signed by its From domain (or `domain`), the key published in `dns`."""
    if domain is None:
        from escala.mail.parse import parse_mail

        domain = parse_mail(raw).from_addr.rpartition("@")[2]
    return sign(raw, domain, dns=dns)


def compose(
    *,
    sender: str,
    subject: str = "No funciona la impresora",
    body: str = "La impresora de la planta 2 no imprime.",
    to: str = "soporte@escala.example",
    cc: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    message_id: str | None = None,
    verbatim: dict[str, str] | None = None,
) -> bytes:
    """A mail as a common client writes it. `verbatim`: headers written byte for byte as given
    (encoded words an attacker crafted, which the email library would decode and refuse)."""
    msg = EmailMessage()
    verbatim = verbatim or {}
    msg["From"] = sender if "From" not in verbatim else "placeholder@placeholder.example"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="client.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    for name in verbatim:
        del msg[name]
    head = "".join(f"{name}: {value}\n" for name, value in verbatim.items()).encode()
    return head + msg.as_bytes()


@pytest.fixture
def smtp_server() -> Iterator["Inbox"]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.port = 0
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse:
            return "451 4.3.0 try later"
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_mail_on_disk(settings, root: Path) -> Path:
    """New raw mail goes to a raw-mail storage on local disk under `root` (rawstore.py)."""
    settings.ESCALA_RAW_MAIL_STORE = "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "rawmail": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def raw_on_disk(settings, tmp_path) -> Path:
    return raw_mail_on_disk(settings, tmp_path / "rawmail")
