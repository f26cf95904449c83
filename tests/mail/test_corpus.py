"""Every mail of the corpus becomes what expected.csv says, and nothing raises.

The corpus imitates Outlook, Gmail, Apple Mail, phones, lists, bounces, auto-replies, broken
charsets, forwards, TNEF, huge and tiny mails (see data/build_corpus.py). CPython's own email
test messages are ingested too when the interpreter ships them.
"""

import csv
import sysconfig
from pathlib import Path

import pytest

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail
from escala.tickets.models import Attachment, Message

from .conftest import DATA

pytestmark = pytest.mark.django_db

ROWS = list(csv.DictReader((DATA / "expected.csv").open(encoding="utf-8")))
CPYTHON = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
STATUS_OF = {
    Outcome.NEW_TICKET: InboundStatus.PROCESSED,
    Outcome.AUTO_REPLY: InboundStatus.IGNORED,
    Outcome.BOUNCE: InboundStatus.IGNORED,
    Outcome.LOOP: InboundStatus.IGNORED,
    Outcome.NO_SENDER: InboundStatus.QUARANTINED,
}


def test_the_corpus_has_at_least_sixty_distinct_mails():
    files = {row["file"] for row in ROWS}
    assert len(files) >= 60
    assert all((DATA / name).exists() for name in files)
    keys = {ingest.dedup_key((DATA / name).read_bytes()) for name in files}
    assert len(keys) == len(files), "two corpus mails would count as the same mail"


def _checks(note: str) -> dict[str, str]:
    checks = {}
    for part in note.split(";"):
        key, sep, value = part.partition(":")
        if sep:
            checks[key.strip()] = value.strip()
    return checks


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_mail_has_its_expected_outcome(row, settings, customer_org):
    settings.ESCALA_MAX_ATTACHMENT_BYTES = 256 * 1024  # a small limit keeps the "huge" mail small
    mail = ingest.ingest((DATA / row["file"]).read_bytes())

    assert mail.outcome == row["outcome"], mail.reason
    assert mail.status == STATUS_OF[row["outcome"]]
    checks = _checks(row["note"])
    if row["outcome"] == Outcome.NEW_TICKET:
        ticket = mail.ticket
        first = ticket.messages.first()
        assert first.body.strip()
        if "text contains" in checks:
            assert checks["text contains"] in first.body
        if "subject" in checks:
            assert ticket.subject.startswith(checks["subject"])
        if "text has no" in checks:
            assert checks["text has no"] not in first.body
            assert checks["text has no"] not in mail.body_text
        if "requester" in checks:
            assert ticket.requester.name == checks["requester"]
        if "filename" in checks:
            names = [a.filename for a in Attachment.objects.filter(message=first)]
            assert checks["filename"] in names, names
        if "attachments" in checks:
            assert Attachment.objects.filter(message=first).count() == int(checks["attachments"])
        if "dropped" in checks:
            note = Message.objects.get(ticket=ticket, kind="note")
            assert "not kept" in note.body or "no se guardaron" in note.body
        if "organization" in checks:
            assert ticket.organization.name == checks["organization"]
        if checks.get("category", "").startswith("none"):
            assert ticket.category is None
            assert ticket.impact == "medium"
        if "html has no" in checks:
            for bad in checks["html has no"].split(","):
                assert bad.strip() not in mail.body_html
    else:
        assert mail.ticket is None


def test_the_whole_corpus_and_cpython_messages_ingest_without_an_unhandled_error(customer_org):
    files = [DATA / row["file"] for row in ROWS]
    files += sorted(CPYTHON.glob("msg_*.txt")) if CPYTHON.exists() else []
    for path in files:
        ingest.ingest(path.read_bytes())

    assert InboundMail.objects.count() >= len(ROWS)
    assert not InboundMail.objects.filter(status=InboundStatus.RECEIVED).exists()
    errors = InboundMail.objects.filter(outcome=Outcome.ERROR)
    assert not errors.exists(), [m.reason for m in errors]
