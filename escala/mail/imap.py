"""`escala mail poll`: fetch mail from IMAP mailboxes.

Each message is stored first and only then flagged (or moved) on the server, so a crash between
the two leaves the mail unflagged: it is fetched again and recognised as already stored.
One mailbox failing (server down, wrong password) never stops the others.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl

from . import ingest
from .choices import Source
from .models import Mailbox

log = logging.getLogger(__name__)


def _connect(box: Mailbox) -> imaplib.IMAP4:
    if box.imap_tls:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            box.imap_host, box.imap_port, ssl_context=ssl.create_default_context(), timeout=30
        )
    else:
        conn = imaplib.IMAP4(box.imap_host, box.imap_port, timeout=30)
    conn.login(box.imap_user, box.imap_password)
    return conn


def poll(box: Mailbox, *, limit: int = 500) -> dict[str, int]:
    counts = {"stored": 0, "duplicates": 0}
    conn = _connect(box)
    try:
        conn.select(_quote(box.imap_folder))
        status, data = conn.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            return counts
        uids = data[0].split()[:limit]
        for uid in uids:
            status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status != "OK" or raw is None:
                continue
            mail, created = ingest.store(raw, source=Source.IMAP, mailbox=box)
            counts["stored" if created else "duplicates"] += 1
            # Stored: now (and only now) the server may forget it.
            if box.imap_processed_folder:
                conn.uid("COPY", uid, _quote(box.imap_processed_folder))
                conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)")
                conn.expunge()
            else:
                conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
            ingest.process(mail.pk)
    finally:
        with contextlib.suppress(Exception):  # the connection may already be gone
            conn.logout()
    return counts


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poll_all(names: list[str] | None = None) -> list[str]:
    boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
    if names:
        boxes = boxes.filter(name__in=names)
    lines = []
    for box in boxes:
        try:
            counts = poll(box)
            lines.append(f"{box.name}: {counts['stored']} new, {counts['duplicates']} seen before")
        except Exception as exc:  # noqa: BLE001  (one broken mailbox never blocks the others)
            log.exception("polling %s failed", box.name)
            lines.append(f"{box.name}: failed ({type(exc).__name__}: {exc})")
    return lines
