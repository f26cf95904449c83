"""The retention policy: closed tickets older than ESCALA_RETENTION_DAYS are anonymized (the
default) or deleted, by the worker once a day. 0 days (the default) keeps everything.

Anonymizing a ticket keeps it for the organization's figures (tiers, times, categories) and
removes the person: the requester becomes the organization's anonymous requester, their name,
email, phone and username are replaced in the subject, messages and history, attachments are
deleted, raw mail emptied and outgoing mail scrubbed. Deleting removes the ticket, its history,
its files and its raw mail. Each ticket done leaves a PrivacyRecord.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError

from escala.core.periodic import periodic
from escala.mail import rawstore
from escala.mail.models import InboundMail, Outbox
from escala.people.choices import RequesterKind
from escala.people.models import Organization, Requester
from escala.tickets.choices import Status
from escala.tickets.models import Attachment, Message, Ticket, TicketParticipant

from . import scrub
from .actions import record
from .models import AnonymizedTicket, PrivacyKind

log = logging.getLogger(__name__)
BATCH = 200
ANONYMOUS = "anonymous"


def due(now: datetime, days: int):  # noqa: ANN201
    return (
        Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=now - timedelta(days=days))
        .exclude(anonymizedticket__isnull=False)
        .order_by("pk")
    )


def anonymous_requester(organization: Organization) -> Requester:
    requester, _created = Requester.objects.get_or_create(
        organization=organization,
        email=f"{ANONYMOUS}-{organization.pk}@{scrub.ERASED_DOMAIN}",
        defaults={"name": ANONYMOUS, "kind": RequesterKind.CUSTOMER, "user": None},
    )
    return requester


def anonymize_ticket(ticket: Ticket, *, by: Any = None, now: datetime) -> None:
    with transaction.atomic():
        requester = ticket.requester
        found = scrub.pattern(requester)
        placeholder = anonymous_requester(ticket.organization)
        if requester.pk != placeholder.pk:
            Ticket.objects.filter(pk=ticket.pk).update(
                requester=placeholder, subject=scrub.scrub(ticket.subject, found)
            )
        messages = Message.objects.filter(ticket=ticket)
        scrub.scrub_messages(messages, found, author_name=ANONYMOUS, requester_id=requester.pk)
        messages.filter(author_requester=requester).update(author_requester=placeholder)
        scrub.scrub_events([ticket.pk], found, user_id=requester.user_id, name=ANONYMOUS)
        scrub.scrub_notifications([ticket.pk], found)
        files = scrub.delete_attachments(list(Attachment.objects.filter(message__ticket=ticket)))
        mails = scrub.empty_raw_mail(
            list(InboundMail.objects.filter(ticket=ticket)), found, requester_id=requester.pk
        )
        scrub.scrub_outbox(
            list(Outbox.objects.filter(ticket=ticket)), found,
            requester_id=requester.pk, email=requester.email,
        )  # fmt: skip
        TicketParticipant.objects.filter(ticket=ticket, requester__isnull=False).delete()
        AnonymizedTicket.objects.create(ticket=ticket, anonymized_at=now)
        record(kind=PrivacyKind.ANONYMIZE, by=by, ticket_id=ticket.pk,
               reason=f"retention: closed more than {settings.ESCALA_RETENTION_DAYS} days",
               details={"attachments_deleted": files, "raw_mails_emptied": mails})  # fmt: skip


def delete_ticket(ticket: Ticket, *, by: Any = None, now: datetime) -> bool:
    """Delete the ticket and what hangs from it; False (and anonymized instead) if something
    else must keep it."""
    try:
        with transaction.atomic():
            files = scrub.delete_attachments(
                list(Attachment.objects.filter(message__ticket=ticket))
            )
            raw_mails = InboundMail.objects.select_for_update().filter(ticket=ticket)
            rawstore.forget(raw_mails.only("pk", "raw_key"))  # their objects in the storage
            mails, _per_model = raw_mails.delete()
            Outbox.objects.filter(ticket=ticket).delete()
            pk = ticket.pk
            ticket.delete()
            record(kind=PrivacyKind.DELETE, by=by, ticket_id=pk,
                   reason=f"retention: closed more than {settings.ESCALA_RETENTION_DAYS} days",
                   details={"attachments_deleted": files, "raw_mails_deleted": mails})  # fmt: skip
    except ProtectedError:
        log.warning("Ticket %s is referred to elsewhere: anonymized instead of deleted", ticket.pk)
        anonymize_ticket(ticket, by=by, now=now)
        return False
    return True


def apply_retention(now: datetime, *, by: Any = None, dry_run: bool = False) -> dict:
    days = settings.ESCALA_RETENTION_DAYS
    action = settings.ESCALA_RETENTION_ACTION
    if days <= 0:
        return {"action": action, "days": days, "tickets": 0}
    done = 0
    while True:
        batch = list(due(now, days).select_related("requester__user", "organization")[:BATCH])
        if dry_run:
            return {"action": action, "days": days, "tickets": due(now, days).count()}
        if not batch:
            break
        for ticket in batch:
            if action == "delete":
                delete_ticket(ticket, by=by, now=now)
            else:
                anonymize_ticket(ticket, by=by, now=now)
            done += 1
    return {"action": action, "days": days, "tickets": done}


@periodic("privacy.retention", every=timedelta(days=1))
def retention_job(now: datetime) -> None:
    result = apply_retention(now)
    if result["tickets"]:
        log.info("Retention: %(action)s %(tickets)d tickets closed over %(days)d days", result)
