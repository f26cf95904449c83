"""Every ticket, message, event, attachment and raw mail of a site, as plain JSON: the source of a
backup and the site restored from it must print the same (tests/ops/test_backup.py)."""

import hashlib
import json
import sys


def _rows(model) -> list:  # noqa: ANN001
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "raw_column"]
    return [
        [str(v) if v is not None else None for v in row]
        for row in model.objects.order_by("pk").values_list(*fields)
    ]


def fingerprint() -> dict:
    from django.core.files.storage import default_storage

    from escala.mail.models import InboundMail
    from escala.tickets.models import Attachment, Message, Ticket, TicketEvent

    files = {}
    for name in Attachment.objects.order_by("pk").values_list("file", flat=True):
        with default_storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return {
        "tickets": _rows(Ticket),
        "messages": _rows(Message),
        "events": _rows(TicketEvent),
        "attachments": _rows(Attachment),
        "attachment_files": files,
        "mails": _rows(InboundMail),
        # Wherever each lives: the database row or the raw-mail storage (mail.raw reads both).
        "raw_mail": {
            str(mail.pk): hashlib.sha256(mail.raw).hexdigest()
            for mail in InboundMail.objects.order_by("pk").only(
                "pk", "raw_column", "raw_key", "raw_sha256"
            )
        },
    }


if __name__ == "__main__":
    import django

    django.setup()
    json.dump(fingerprint(), sys.stdout)
