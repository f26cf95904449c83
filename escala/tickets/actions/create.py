import contextlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock, rows
from escala.core.errors import Forbidden, ValidationFailed
from escala.core.inputs import one_line
from escala.people.models import Requester
from escala.people.queries import agent_of, is_admin, requester_of
from escala.tiers.choices import Impact, Urgency
from escala.tiers.models import Category
from escala.tiers.queries import first_tier, priority_for, team_for

from .. import events
from ..choices import AuthorKind, Channel, EventKind, MessageKind, StayReason
from ..models import Message, Ticket
from ..requester_fields import refuse_staff_fields
from ._common import open_stay, required_text, store_attachments, validate_attachments

MAX_SUBJECT = 250


def create_ticket(
    *,
    requester: Requester,
    subject: str,
    body: str,
    channel: str,
    by: Any,
    category: Category | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    attachments: Iterable[UploadedFile] = (),
    time_spent: timedelta | None = None,
) -> Ticket:
    """Open a ticket at the tier and team of its category (Level 1 when it has none).

    `by` is the user who files it: the requester themself, an agent taking a call, or None for
    the system (mail ingest, an integration). Impact and urgency (medium when not given) and time
    spent are the desk's: a requester who gives them is refused, field by field.
    """
    if by is not None and not (is_admin(by) or agent_of(by) is not None):
        own = requester_of(by)
        if own is None or own.pk != requester.pk:
            raise Forbidden(_("You can only open tickets for yourself."))
    if by is not None:  # a person; None is the system (trusted mail, an integration)
        # A requester's own ticket: the desk weighs it (escala.tickets.requester_fields).
        refuse_staff_fields(by, {"impact": impact, "urgency": urgency, "time_spent": time_spent})
    impact = impact or Impact.MEDIUM
    urgency = urgency or Urgency.MEDIUM
    # One line: a subject travels in mail headers (a raw line break could never be mailed).
    subject = one_line(subject)
    subject = required_text(subject, field="subject", message=_("A subject is required."))
    if len(subject) > MAX_SUBJECT:
        raise ValidationFailed(
            _("The subject is too long (at most %(n)d characters).") % {"n": MAX_SUBJECT},
            field="subject",
        )
    body = required_text(body, field="body", message=_("Describe the request."))
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if impact not in Impact.values:
        raise ValidationFailed(_("Unknown impact."), field="impact")
    if urgency not in Urgency.values:
        raise ValidationFailed(_("Unknown urgency."), field="urgency")
    if category is not None and not category.is_active:
        raise ValidationFailed(_("This category is no longer in use."), field="category")
    files = validate_attachments(attachments)

    tier = category.tier if category is not None else first_tier()
    team = team_for(tier=tier, category=category)
    now = clock.now()
    # When every listener waits for the relay, nothing reads these rows before the commit: on
    # PostgreSQL they are written with one statement (ids reserved first, so the event can name
    # the message). Not inside a batch that holds rows itself (mail reads its new tickets).
    together = not files and events.records_later() and not rows.is_buffered()
    # No savepoint of its own when nested: a caller that goes on after a failure (mail ingest,
    # one savepoint per mail) rolls back its own. Mail files a hundred tickets a batch.
    with (
        transaction.atomic(savepoint=False),
        rows.buffered() if together else contextlib.nullcontext(),
    ):
        ticket = rows.new(
            Ticket,
            subject=subject,
            requester=requester,
            organization_id=requester.organization_id,
            channel=channel,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            category=category,
            tier=tier,
            team=team,
            created_at=now,
            updated_at=now,
        )
        message = rows.new(
            Message,
            ticket=ticket,
            original_ticket=ticket,
            kind=MessageKind.REPLY,
            author_kind=AuthorKind.REQUESTER,
            author_requester=requester,
            # On a phone call the agent types the caller's words: both are kept.
            author_user=by,
            author_name=requester.name,
            body=body,
            channel=channel,
            created_at=now,
            time_spent=time_spent,
        )
        if together and rows.reserve_ids(ticket, message):
            # The subject is one line already, the author's name was when it was saved: the
            # pre_save clean-up a save() would run has nothing to do.
            rows.insert_later(ticket)
            rows.insert_later(message)
        else:
            ticket.save(force_insert=True)
            message.save(force_insert=True)  # its ticket's id, now known, filled in by save()
        store_attachments(message, files)
        open_stay(ticket, tier=tier, team=team, by=by, reason=StayReason.CREATED)
        events.record(
            ticket,
            EventKind.CREATED,
            by=by,
            new=tier.short,
            data={
                "channel": channel,
                "tier_id": tier.pk,
                "team_id": team.pk if team else None,
                "category_id": category.pk if category else None,
                "priority": ticket.priority,
                "message_id": message.pk,
            },
        )
    ticket.opening_message = message  # the caller's (mail threading) without a query
    return ticket
