"""Data protection actions (GDPR arts. 15 and 17; LOPDGDD): export and erase a requester.

Only administrators (or the operator at the command line, by=None) may run them; each writes a
PrivacyRecord in the same transaction, which names the requester by id only.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from escala.api.models import ApiToken
from escala.core import clock
from escala.core.errors import Forbidden, ValidationFailed
from escala.knowledge.models import Deflection
from escala.mail.models import Outbox
from escala.people.models import Requester
from escala.people.queries import is_admin
from escala.surveys.models import Survey
from escala.tickets.models import Attachment, Message, Ticket

from . import scrub
from .models import PrivacyKind, PrivacyRecord


def require_admin(by: Any) -> None:
    if by is not None and not is_admin(by):
        raise Forbidden(_("Only administrators may export or erase personal data."))


def record(*, kind: str, by: Any, reason: str = "", requester_id=None, ticket_id=None,  # noqa: ANN001
           details: dict | None = None) -> PrivacyRecord:  # fmt: skip
    return PrivacyRecord.objects.create(
        kind=kind,
        requester_id=requester_id,
        ticket_id=ticket_id,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=(by.get_username() if by is not None else "escala (command line)")[:200],
        reason=reason,
        details=details or {},
        created_at=clock.now(),
    )


def erase_requester(*, requester: Requester, by: Any, reason: str) -> PrivacyRecord:
    """Remove a requester's personal data; keep their tickets and messages, de-identified.

    - the requester row stays (the organization's tickets still point at it) under a pseudonym,
      with no email, phone or manager right; their login is deactivated and renamed, its
      password made unusable (every session ends), its API tokens deleted;
    - on every ticket they asked or followed, their name, email, phone and username are replaced
      in subjects, messages and history; their own messages are signed with the pseudonym;
    - the files they attached are deleted; the raw mail they sent is emptied; mail sent to them
      keeps no address and no identifying text; their survey comments and search queries go;
    - a PrivacyRecord says who erased whom (by id), when, why and how much.
    """
    require_admin(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the data is erased (e.g. the request's reference)."),
                               field="reason")  # fmt: skip
    with transaction.atomic():
        requester = (
            Requester.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=requester.pk)
        )
        found = scrub.pattern(requester)
        name = scrub.pseudonym(requester.pk)
        email = requester.email
        user = requester.user
        ticket_ids = list(
            Ticket.objects.filter(
                Q(requester=requester) | Q(participants__requester=requester)
            ).values_list("pk", flat=True).distinct()
        )  # fmt: skip
        for ticket in Ticket.objects.filter(pk__in=ticket_ids):
            subject = scrub.scrub(ticket.subject, found)
            if subject != ticket.subject:
                Ticket.objects.filter(pk=ticket.pk).update(subject=subject)
        messages = Message.objects.filter(
            Q(ticket_id__in=ticket_ids) | Q(author_requester=requester)
        )
        changed_messages = scrub.scrub_messages(
            messages, found, author_name=name, requester_id=requester.pk
        )
        events = scrub.scrub_events(ticket_ids, found, user_id=user.pk if user else None, name=name)
        scrub.scrub_notifications(ticket_ids, found)
        attachments = scrub.delete_attachments(
            list(Attachment.objects.filter(message__author_requester=requester))
        )
        raw_mails = scrub.empty_raw_mail(
            scrub.mails_of(requester), found, requester_id=requester.pk
        )
        outgoing = scrub.scrub_outbox(
            list(Outbox.objects.filter(Q(to__icontains=email) | Q(ticket_id__in=ticket_ids))),
            found,
            requester_id=requester.pk,
            email=email,
        )
        Survey.objects.filter(ticket__requester=requester).update(comment="")
        Deflection.objects.filter(requester=requester).update(requester=None, query="")
        Requester.objects.filter(pk=requester.pk).update(
            name=name, email=scrub.pseudonym_email(requester.pk), phone="", is_manager=False
        )
        if user is not None:
            ApiToken.objects.filter(user=user).delete()
            user.username = f"{name}-{secrets.token_hex(4)}"
            user.email = ""
            user.first_name = ""
            user.last_name = ""
            user.is_active = False
            user.set_unusable_password()  # the session hash changes: every session ends
            user.save()
        return record(
            kind=PrivacyKind.ERASE,
            by=by,
            reason=reason,
            requester_id=requester.pk,
            details={
                "tickets": len(ticket_ids),
                "messages_changed": changed_messages,
                "events_changed": events,
                "attachments_deleted": attachments,
                "raw_mails_emptied": raw_mails,
                "outgoing_mails_scrubbed": outgoing,
                "login_deactivated": user is not None,
            },
        )
