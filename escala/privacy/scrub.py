"""De-identification shared by erasure and retention: what identifies a requester in free text,
and the row-level rewrites (messages, events, raw mail, outgoing mail, attachments) that keep the
organization's record while removing the person from it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction

from escala.mail import rawstore
from escala.mail.models import InboundMail, Outbox
from escala.notifications.models import Notification
from escala.people.models import Requester
from escala.tickets.models import Attachment, Message, TicketEvent

REDACTED = "[***]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox


def pseudonym(requester_id: int) -> str:
    return f"erased-{requester_id}"


def pseudonym_email(requester_id: int) -> str:
    return f"{pseudonym(requester_id)}@{ERASED_DOMAIN}"


def identifiers(requester: Requester) -> list[str]:
    """Strings that identify the requester: full name, each name part of 3+ letters, email
    (and its local part), phone, username."""
    found = {requester.name.strip(), requester.email.strip()}
    found.update(part for part in re.split(r"\s+", requester.name) if len(part) >= 3)
    local = requester.email.partition("@")[0]
    if len(local) >= 3:
        found.add(local)
    if requester.phone and len(re.sub(r"\D", "", requester.phone)) >= 6:
        found.add(requester.phone.strip())
    user = requester.user
    if user is not None:
        found.update(v for v in (user.username, user.email, user.first_name, user.last_name) if v)
    return sorted((f for f in found if f and len(f) >= 3), key=len, reverse=True)


def pattern(requester: Requester) -> re.Pattern[str] | None:
    words = identifiers(requester)
    if not words:
        return None
    # Whole words only ("Ana" is not erased from "Análisis"), any case.
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub(text: str, found: re.Pattern[str] | None) -> str:
    if not text or found is None:
        return text
    return found.sub(REDACTED, text)


def scrub_messages(messages: Iterable[Message], found, *, author_name: str, requester_id: int):  # noqa: ANN001, ANN201
    changed = 0
    for message in messages:
        fields = {"body": scrub(message.body, found)}
        if message.author_requester_id == requester_id:
            fields["author_name"] = author_name
        else:
            fields["author_name"] = scrub(message.author_name, found)
        if any(getattr(message, k) != v for k, v in fields.items()):
            Message.objects.filter(pk=message.pk).update(**fields)
            changed += 1
    return changed


def scrub_events(ticket_ids: list[int], found, *, user_id: int | None, name: str) -> int:  # noqa: ANN001
    """History is append-only for the application; data protection rewrites the personal data
    inside it in place (queryset updates: no event is added, removed or reordered)."""
    changed = 0
    for event in TicketEvent.objects.filter(ticket_id__in=ticket_ids).iterator(chunk_size=500):
        by_them = bool(user_id) and event.actor_id == user_id
        fields = {
            "old_value": scrub(event.old_value, found),
            "new_value": scrub(event.new_value, found),
            "reason": scrub(event.reason, found),
            "actor_name": name if by_them else scrub(event.actor_name, found),
        }
        if any(getattr(event, k) != v for k, v in fields.items()):
            TicketEvent.objects.filter(pk=event.pk).update(**fields)
            changed += 1
    return changed


def scrub_notifications(ticket_ids: list[int], found) -> int:  # noqa: ANN001
    """Agents' notifications copy words of a ticket (a note's excerpt, an escalation's reason,
    who did it): rewritten like the history they were copied from."""
    changed = 0
    rows = Notification.objects.filter(ticket_id__in=ticket_ids).only("pk", "params")
    for row in rows.iterator(chunk_size=500):
        params = row.params if isinstance(row.params, dict) else {}
        scrubbed = {k: scrub(v, found) if isinstance(v, str) else v for k, v in params.items()}
        if scrubbed != params:
            Notification.objects.filter(pk=row.pk).update(params=scrubbed)
            changed += 1
    return changed


def empty_raw_mail(mails, found, *, requester_id: int) -> int:  # noqa: ANN001
    """Raw mail is the person's message as sent: it cannot be de-identified, only emptied; in
    the raw-mail storage its object is deleted (before the commit: if the storage cannot, the
    erasure fails whole and can be run again)."""
    mails = list(mails)
    # Locked and read again: `escala mail move-raw` may have just moved one to the storage.
    locked = InboundMail.objects.select_for_update().filter(pk__in=[m.pk for m in mails])
    rawstore.forget(locked.only("pk", "raw_key"))
    count = 0
    for mail in mails:
        InboundMail.objects.filter(pk=mail.pk).update(
            raw_column=b"",
            raw_key="",
            raw_sha256="",
            size=0,
            body_html="",
            body_text="",
            message_id="",
            envelope_from="",
            envelope_to="",
            sender=pseudonym_email(requester_id),
            subject=scrub(mail.subject, found)[:250],
        )
        count += 1
    return count


def scrub_outbox(rows, found, *, requester_id: int, email: str) -> int:  # noqa: ANN001
    count = 0
    for row in rows:
        to = row.to
        if email and email.lower() in to.lower():
            to = pseudonym_email(requester_id)
        Outbox.objects.filter(pk=row.pk).update(
            to=to,
            subject=scrub(row.subject, found),
            body=scrub(row.body, found),
            headers={},
        )
        count += 1
    return count


def delete_attachments(attachments) -> int:  # noqa: ANN001
    """Delete the rows now and the files once the transaction commits (a rollback keeps both)."""
    names = []
    count = 0
    for attachment in attachments:
        names.append(attachment.file.name)
        count += 1
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()

    def remove_files() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(remove_files)
    return count


def mails_of(requester: Requester) -> list[InboundMail]:
    """The raw mail a requester sent: by the sender the pipeline read, the envelope, the message
    it became, the ticket it was filed on, and, for mail not yet processed, their address in the
    raw bytes."""
    from django.db.models import Q

    from escala.mail.choices import InboundStatus

    email = requester.email.strip()
    found = {
        m.pk: m
        for m in InboundMail.objects.filter(
            Q(sender__iexact=email)
            | Q(envelope_from__iexact=email)
            | Q(filed_message__author_requester=requester)
            | Q(ticket__requester=requester, filed_message__isnull=True)
        ).defer("raw_column")
    }
    needle = email.lower().encode()
    if needle:
        pending = InboundMail.objects.filter(status=InboundStatus.RECEIVED).exclude(
            pk__in=list(found)
        )
        for mail in pending.iterator(chunk_size=200):
            if needle in bytes(mail.raw).lower():
                found[mail.pk] = mail
    return sorted(found.values(), key=lambda m: m.pk)
