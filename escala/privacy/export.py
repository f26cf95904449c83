"""Everything the help desk holds about a requester (GDPR art. 15 and 20), as one zip file:

    requester.json        their profile, login, tickets with the conversation they can see,
                          the tickets they follow, mail they sent and were sent, surveys
    attachments/<id>-<name>   every file on those conversations
    mail/<id>.eml         every raw mail they sent, exactly as it arrived

Internal notes are the organization's working notes about a request and are left out, as they
are from the requester's own portal; the export says so in `notes`.
"""

from __future__ import annotations

import json
import posixpath
import zipfile
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from escala.core import clock
from escala.mail import rawstore
from escala.mail.models import InboundMail, Outbox
from escala.people.models import Requester
from escala.surveys.models import Survey
from escala.tickets.choices import MessageKind
from escala.tickets.models import Message, Ticket

from . import scrub
from .actions import record, require_admin
from .models import PrivacyKind


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _safe(name: str) -> str:
    name = posixpath.basename(name.replace("\\", "/")) or "file"
    return "".join(c if c.isprintable() and c not in '/:*?"<>|' else "_" for c in name)[:150]


def _message(message: Message, files: list[tuple[str, str]], requester_id: int) -> dict:
    attachments = []
    for attachment in message.attachments.all():
        path = f"attachments/{attachment.pk}-{_safe(attachment.filename)}"
        files.append((path, attachment.file.name))
        attachments.append(
            {
                "file": path,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
            }  # fmt: skip
        )
    return {
        "id": message.pk,
        "created_at": _when(message.created_at),
        "author": message.author_name,
        "written_by_you": message.author_requester_id == requester_id,
        "channel": message.channel,
        "body": message.body,
        "attachments": attachments,
    }


def document(requester: Requester) -> tuple[dict, list[tuple[str, str]], list[int]]:
    """The JSON document, the (zip path, storage name) files and the raw mail ids to add."""
    files: list[tuple[str, str]] = []
    user = requester.user
    own = Ticket.objects.filter(requester=requester).select_related("organization", "category")
    followed = Ticket.objects.filter(participants__requester=requester).exclude(requester=requester)
    visible = Q(kind=MessageKind.REPLY) | Q(author_requester=requester)

    def ticket(t: Ticket) -> dict:
        messages = t.messages.filter(visible).prefetch_related("attachments").order_by("pk")
        return {
            "reference": t.reference,
            "subject": t.subject,
            "status": t.status,
            "channel": t.channel,
            "organization": t.organization.name,
            "category": t.category.name if t.category_id else None,
            "created_at": _when(t.created_at),
            "resolved_at": _when(t.resolved_at),
            "closed_at": _when(t.closed_at),
            "messages": [_message(m, files, requester.pk) for m in messages],
        }

    mails = scrub.mails_of(requester)
    mail_ids = [m.pk for m in mails]
    doc = {
        "generated_at": _when(clock.now()),
        "notes": "Internal notes of the support staff are not included.",
        "requester": {
            "id": requester.pk,
            "name": requester.name,
            "email": requester.email,
            "phone": requester.phone,
            "kind": requester.kind,
            "organization": requester.organization.name,
            "organization_manager": requester.is_manager,
            "language": requester.language,
            "created_at": _when(requester.created_at),
        },
        "login": None
        if user is None
        else {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "active": user.is_active,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "tickets": [ticket(t) for t in own.order_by("pk")],
        "followed_tickets": [ticket(t) for t in followed.order_by("pk").distinct()],
        "mail_received_from_you": [
            {
                "file": f"mail/{m.pk}.eml",
                "received_at": _when(m.received_at),
                "subject": m.subject,
                "status": m.status,
            }  # fmt: skip
            for m in mails
        ],
        "mail_sent_to_you": [
            {"sent_at": _when(o.sent_at), "subject": o.subject, "body": o.body, "status": o.status}
            for o in Outbox.objects.filter(to__icontains=requester.email).order_by("pk")
        ],
        "surveys": [
            {
                "ticket": s.ticket.reference,
                "rating": s.rating,
                "comment": s.comment,
                "answered_at": _when(s.answered_at),
            }  # fmt: skip
            for s in Survey.objects.filter(ticket__requester=requester).select_related("ticket")
        ],
    }
    return doc, files, mail_ids


def write_export(requester: Requester, out: IO[bytes]) -> dict:
    doc, files, mail_ids = document(requester)
    missing = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            try:
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(path, handle.read())
            except (FileNotFoundError, OSError):
                missing.append(path)
        for pk in mail_ids:
            mail = InboundMail.objects.filter(pk=pk).only(
                "pk", "raw_column", "raw_key", "raw_sha256"
            )
            mail = mail.first()
            if mail is None:
                continue
            try:
                raw = rawstore.read(mail)  # in the row or in the raw-mail storage
            except rawstore.Unavailable:
                missing.append(f"mail/{pk}.eml")
                continue
            if raw:
                archive.writestr(f"mail/{pk}.eml", raw)
        doc["missing_files"] = missing
        archive.writestr(
            "requester.json", json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        )
    return {"tickets": len(doc["tickets"]), "files": len(files) - len(missing),
            "raw_mails": len(mail_ids)}  # fmt: skip


def export_requester(*, requester: Requester, by: Any, out: IO[bytes], reason: str = "") -> dict:
    require_admin(by)
    summary = write_export(requester, out)
    with transaction.atomic():
        record(kind=PrivacyKind.EXPORT, by=by, reason=reason, requester_id=requester.pk,
               details=summary)  # fmt: skip
    return summary
