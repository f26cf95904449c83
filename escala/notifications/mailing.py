"""The mail side of a notification: through the outbox (mail.outbound.queue_mail), in each
agent's own language. Only agents are ever written to here (the listener's audience)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from escala.core.text_templates import render_text
from escala.mail import outbound
from escala.mail.choices import NotificationKind
from escala.people.models import Agent
from escala.tickets.events import relays_in_worker
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.models import Team

from . import present
from .choices import Kind

log = logging.getLogger(__name__)


def send(
    mails: list[tuple[Agent, str, TicketEvent, dict[str, Any]]],
    *,
    tickets: dict[int, Ticket],
    teams: dict[int, Team],
) -> list[int]:
    queued: list[int] = []
    for agent, kind, event, params in mails:
        if not agent.user.email:
            continue
        ticket = tickets[event.ticket_id]
        with translation.override(agent.language):
            if kind == Kind.ESCALATED and (team := teams.get((event.data or {}).get("to_team_id"))):
                # The team's escalation mail, as it always read.
                mail_kind = NotificationKind.ESCALATED
                subject = _("Escalated to %(team)s") % {"team": team.label}
                body = render_text(
                    "mail/notifications/escalated.txt",
                    {"ticket": ticket, "name": agent.display_name, "event": event, "team": team},
                )
            else:
                mail_kind = NotificationKind.AGENT_NOTICE
                sentence = present.text(kind, params)
                subject = f"{_(Kind(kind).label)}: {ticket.subject}"
                body = render_text(
                    "notifications/mail/notice.txt",
                    {
                        "ticket": ticket,
                        "name": agent.display_name,
                        "sentence": sentence,
                        "detail": present.detail(params),
                        "url": settings.ESCALA_SITE_URL
                        + reverse("desk:ticket", kwargs={"pk": ticket.pk}),
                        "preferences": settings.ESCALA_SITE_URL
                        + reverse("notifications:preferences"),
                    },
                )
        outbox = outbound.queue_mail(
            ticket=ticket,
            kind=mail_kind,
            to=agent.user.email,
            subject=f"[{ticket.reference}] {subject}",
            body=body.strip() + "\n",
            event=event,
        )
        if outbox is not None:
            queued.append(outbox.pk)
    if queued and relays_in_worker():
        # queue_mail leaves a relayed event's mails to the relay's own delivery listener,
        # which has already run for this batch: these go in one task of their own.
        transaction.on_commit(lambda: _enqueue(queued), robust=True)
    return queued


def _enqueue(ids: list[int]) -> None:
    try:
        outbound.deliver_outbox_many.enqueue(ids)
    except Exception:  # noqa: BLE001 - the rows stay pending; the worker's drain sends them
        log.exception("could not enqueue the delivery of %d notification mails", len(ids))
