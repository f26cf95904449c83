"""How much automatic mail Escala sends back, and how much of a mail it keeps.

Acknowledgements ("we received your request") are what two help desks answering each other, or a
flood from one domain, multiply. The rules, for a new ticket filed from a mail:

- at most one acknowledgement per sender per `ESCALA_MAIL_ACK_WINDOW` seconds (0: no limit);
- none once more than `ESCALA_MAIL_DOMAIN_FLOOD_LIMIT` new tickets came from the sender's
  domain in `ESCALA_MAIL_DOMAIN_FLOOD_WINDOW` seconds (domains in
  `ESCALA_MAIL_DOMAIN_FLOOD_EXEMPT` never count).

The mail is always filed; only the acknowledgement is held back, and each time an admin alert
(`alerts`) is opened or counted up. Inside a mail batch the counts are read once for the batch's
senders and domains and counted on in memory (the batch's mails are written at its end).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from escala.core import clock, memo

from . import alerts
from .choices import AlertKind, Outcome
from .models import InboundMail


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()[:254] if "@" in address else ""


def _acks_since():
    return clock.now() - timedelta(seconds=settings.ESCALA_MAIL_ACK_WINDOW)


def _flood_since():
    return clock.now() - timedelta(seconds=settings.ESCALA_MAIL_DOMAIN_FLOOD_WINDOW)


def _acks(sender: str) -> int:
    return InboundMail.objects.filter(sender=sender, acknowledged_at__gte=_acks_since()).count()


def _new_tickets(domain: str) -> int:
    return InboundMail.objects.filter(
        sender_domain=domain, outcome=Outcome.NEW_TICKET, processed_at__gte=_flood_since()
    ).count()


def prefetch(senders: list[str]) -> None:
    """The acknowledgements and new tickets of the batch's senders and domains, in two queries."""
    senders = sorted({s[:254] for s in senders if s})
    if not senders:
        return
    if settings.ESCALA_MAIL_ACK_WINDOW > 0:
        acked = dict(
            InboundMail.objects.filter(sender__in=senders, acknowledged_at__gte=_acks_since())
            .values("sender")
            .annotate(n=Count("pk"))
            .values_list("sender", "n")
        )
        for sender in senders:
            memo.remember(("acks", sender), acked.get(sender, 0))
    domains = sorted({domain_of(s) for s in senders} - {""})
    if settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT <= 0 or not domains:
        return
    tickets = dict(
        InboundMail.objects.filter(
            sender_domain__in=domains,
            outcome=Outcome.NEW_TICKET,
            processed_at__gte=_flood_since(),
        )
        .values("sender_domain")
        .annotate(n=Count("pk"))
        .values_list("sender_domain", "n")
    )
    for domain in domains:
        memo.remember(("new_tickets", domain), tickets.get(domain, 0))


def may_acknowledge(mail: InboundMail) -> bool:
    """Whether the new ticket `mail` is about to open may be acknowledged. Counts the ticket for
    its domain's flood, and the acknowledgement for its sender; alerts when one is held back.
    Called once per new ticket, inside the mail's own savepoint."""
    sender = mail.sender
    domain = domain_of(sender)
    mail.sender_domain = domain
    limit = settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT
    exempt = {d.lower().lstrip("@") for d in settings.ESCALA_MAIL_DOMAIN_FLOOD_EXEMPT}
    if domain and limit > 0 and domain not in exempt:
        new_tickets = memo.cached(("new_tickets", domain), lambda: _new_tickets(domain)) + 1
        memo.remember(("new_tickets", domain), new_tickets)
        if new_tickets > limit:
            alerts.raise_alert(
                kind=AlertKind.ACK_DOMAIN, key=domain, detail=mail.subject, mail_id=mail.pk
            )
            return False
    if settings.ESCALA_MAIL_ACK_WINDOW <= 0:
        mail.acknowledged_at = clock.now()
        return True
    acked = memo.cached(("acks", sender), lambda: _acks(sender))
    if acked >= 1:
        alerts.raise_alert(
            kind=AlertKind.ACK_SENDER, key=sender, detail=mail.subject, mail_id=mail.pk
        )
        return False
    memo.remember(("acks", sender), acked + 1)
    mail.acknowledged_at = clock.now()
    return True
