"""`escala mail serve`: an SMTP (or LMTP) listener built on aiosmtpd.

A mail is acknowledged (250) only once its raw bytes are stored; if the database is down the
sender is told to try again later (451), so nothing is lost. Processing follows the store.

A mail larger than ESCALA_MAIL_MAX_RAW_BYTES is refused with 552 during DATA (aiosmtpd's
`data_size_limit`: past the limit the lines are read and thrown away, never kept), and a client
that announces its size (the SIZE extension, advertised in EHLO) is refused at MAIL FROM.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.db import DatabaseError, close_old_connections

from .choices import Source
from .models import Mailbox

log = logging.getLogger(__name__)


def _store_and_process(held: list[bytes], mail_from: str, rcpt_tos: list[str], mailbox) -> str:
    """`held`: a list with the raw mail, emptied here, so that once it is stored the bytes are
    gone from this process (processing reads them back): the mail is never in memory twice."""
    from . import ingest

    close_old_connections()
    try:
        pk = ingest.store(
            held.pop(),
            source=Source.SMTP,
            mailbox=mailbox,
            envelope_from=mail_from or "<>",
            envelope_to=rcpt_tos,
        )[0].pk
    except DatabaseError:
        log.exception("could not store an incoming mail")
        return "451 4.3.0 Temporary failure, please try again later"
    try:
        ingest.process(pk)
    except Exception:  # stored: `escala mail retry` picks it up
        log.exception("stored mail %s not processed", pk)
    finally:
        close_old_connections()
    return "250 2.0.0 Message accepted"


class EscalaHandler:
    def __init__(self, mailbox: Mailbox | None = None) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        raw = envelope.original_content or envelope.content
        envelope.content = envelope.original_content = None  # one copy of the mail, not two
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        held = [raw]
        del raw
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None,
            _store_and_process,
            held,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
            self.mailbox,
        )


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(
    *, host: str, port: int, lmtp: bool = False, mailbox: Mailbox | None = None
) -> Controller:
    from django.conf import settings

    cls = _LMTPController if lmtp else Controller
    return cls(
        EscalaHandler(mailbox),
        hostname=host,
        port=port,
        data_size_limit=settings.ESCALA_MAIL_MAX_RAW_BYTES,
        decode_data=False,
    )


def serve(*, host: str, port: int, lmtp: bool = False, mailbox=None, log: Callable = print) -> None:
    controller = make_controller(host=host, port=port, lmtp=lmtp, mailbox=mailbox)
    controller.start()
    log(f"Listening for {'LMTP' if lmtp else 'SMTP'} on {host}:{port}")
    try:
        asyncio.run(_forever())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


async def _forever() -> None:
    await asyncio.Event().wait()


__all__ = ["SMTP", "EscalaHandler", "make_controller", "serve"]
