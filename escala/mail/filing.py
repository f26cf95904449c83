"""What every filed mail leaves besides the message: its attachments kept by the portal's rules
(the others listed in a note), its inline images pointed at the stored files, its Message-ID kept
for threading the next replies."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from escala.core import clock, rows
from escala.core.filenames import clean_filename
from escala.tickets import actions
from escala.tickets.models import Message, Ticket

from .models import InboundMail, ThreadId
from .parse import (
    ParsedAttachment,
    ParsedMail,
    link_inline_images,
)


def _allowed(att: ParsedAttachment) -> str:
    """Why an attachment cannot be kept ("" when it can), by the same rules as the portal."""
    if att.size > settings.ESCALA_MAX_ATTACHMENT_BYTES:
        return "too_large"
    guessed = mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
    allowed = set(settings.ESCALA_ALLOWED_ATTACHMENT_TYPES)
    if guessed not in allowed:
        return "type"
    return ""


def _name_with_extension(att: ParsedAttachment) -> str:
    name = clean_filename(att.filename)  # TNEF's and forwarded parts' names too
    if mimetypes.guess_type(name)[0] is None:
        ext = mimetypes.guess_extension(att.content_type.split(";")[0].strip())
        if ext:
            name = clean_filename(name + ext)
    return name


def files(parsed: ParsedMail) -> list[SimpleUploadedFile]:
    files = []
    for att in parsed.attachments:
        att.filename = _name_with_extension(att)
        if reason := _allowed(att):
            parsed.dropped.append(_dropped(att, reason))
            continue
        if len(files) >= settings.ESCALA_MAIL_MAX_ATTACHMENTS:
            parsed.dropped.append(_dropped(att, "too_many"))
            continue
        guessed = mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
        files.append(SimpleUploadedFile(att.filename, att.data, content_type=guessed))
        parsed.kept.append(att)
    return files


def _inline_urls(parsed: ParsedMail, message: Message) -> dict[str, str]:
    """Content-ID -> the access-checked URL of the attachment it was stored as (the action
    stores the files in the order it was given them)."""
    stored = list(message.attachments.order_by("pk").values_list("pk", flat=True))
    if len(stored) != len(parsed.kept):
        return {}
    return {
        att.content_id.lower(): reverse("attachment", args=[pk])
        for att, pk in zip(parsed.kept, stored, strict=True)
        if att.content_id
    }


def _dropped(att: ParsedAttachment, reason: str):
    from .parse import DroppedAttachment

    return DroppedAttachment(att.filename, att.size, reason)


def after(mail: InboundMail, parsed: ParsedMail, ticket: Ticket, message: Message | None) -> None:
    if message is not None and parsed.html and any(a.content_id for a in parsed.kept):
        mail.body_html = link_inline_images(parsed.html, _inline_urls(parsed, message))
    if parsed.message_id:
        # INSERT ... ON CONFLICT DO NOTHING: the first ticket filed with a Message-ID keeps it.
        rows.insert_later(
            ThreadId(
                message_id=parsed.message_id[:255],
                ticket=ticket,
                outgoing=False,
                created_at=clock.now(),
            ),
            ignore_conflicts=True,
        )
    if parsed.dropped:
        body = _("Attachments of the mail that were not kept:") + "\n" + _dropped_lines(parsed)
        mail.notes = body
        actions.add_note(ticket=ticket, by=None, body=body)


NOTE_LINES = 30  # dropped attachments named one by one in the note; the others are counted


def _dropped_lines(parsed: ParsedMail) -> str:
    reasons = {
        "too_large": _("over the size limit"),
        "too_many": _("over the limit of %(n)d files per mail")
        % {"n": settings.ESCALA_MAIL_MAX_ATTACHMENTS},
    }
    lines = [
        _("“%(name)s” (%(kb)s KB): %(why)s")
        % {
            "name": clean_filename(d.filename),
            "kb": max(1, d.size // 1024),
            "why": reasons.get(d.reason, _("file type not accepted")),
        }
        for d in parsed.dropped[:NOTE_LINES]
    ]
    if len(parsed.dropped) > NOTE_LINES:
        lines.append(_("… and %(n)d more.") % {"n": len(parsed.dropped) - NOTE_LINES})
    return "\n".join(lines)


def attachment_limit_note(parsed: ParsedMail) -> str:
    """Said on the stored mail as soon as it is read, so a held mail shows it too."""
    limit = settings.ESCALA_MAIL_MAX_ATTACHMENTS
    if len(parsed.attachments) <= limit:
        return ""
    return _(
        "The mail has %(count)d attachments: only the first %(limit)d can be kept, the others "
        "are left out."
    ) % {"count": len(parsed.attachments), "limit": limit}
