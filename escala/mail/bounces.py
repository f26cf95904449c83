"""A bounce of one of our mails: recorded on the ticket whose mail bounced, the address marked.

Only a report that quotes the Message-ID of a mail Escala sent counts (every notification has a
random one, so a stranger cannot forge a bounce that silences a customer's notifications): the
Outbox row with that Message-ID gives the ticket and the address it went to. The report's
failed recipients, when it lists any, must include that address.

What then happens to the address is `ESCALA_MAIL_BOUNCED_ADDRESSES`: "suppress" (the default)
sends it no more notifications (each one is marked failed with the reason, visible on the
ticket), "send" keeps sending. The mark is shown beside the requester on the ticket page; it is
cleared when the address writes to us again, or by an agent there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from escala.core import clock
from escala.tickets import events
from escala.tickets.choices import EventKind
from escala.tickets.models import Ticket

from .dsn import DeliveryReport, FailedRecipient, read_report
from .models import BouncedAddress, Outbox


@dataclass
class Recorded:
    ticket: Ticket
    address: str
    permanent: bool


def record_bounce(raw: bytes, *, inbound_mail_id: int | None = None) -> list[Recorded]:
    """Record the bounce `raw` on the tickets whose mails it reports; [] when it names no mail
    of ours (it is then only kept, ignored). Runs in the caller's transaction."""
    report = read_report(raw)
    if not report.message_ids:
        return []
    sent = list(
        Outbox.objects.filter(message_id__in=report.message_ids, ticket__isnull=False)
        .select_related("ticket")
        .order_by("pk")
    )
    recorded: list[Recorded] = []
    seen: set[tuple[int, str]] = set()
    for row in sent:
        address = row.to.strip().lower()
        failure = _failure_for(report, address)
        if failure is None or (row.ticket_id, address) in seen:
            continue
        seen.add((row.ticket_id, address))
        if not failure.permanent:
            continue  # "delayed, still trying": not a bounce
        _record(row, address, failure, inbound_mail_id)
        recorded.append(Recorded(row.ticket, address, failure.permanent))
    return recorded


def _failure_for(report: DeliveryReport, address: str) -> FailedRecipient | None:
    """The report's word on `address`. A report that lists recipients must list this one; a
    report that lists none (some servers only quote the mail) is taken as a failure for it."""
    if not report.recipients:
        return FailedRecipient(address=address)
    for recipient in report.recipients:
        if address in (recipient.address, recipient.original):
            return recipient
    if not report.standard and len(report.recipients) == 1:
        # Plain-text bounces often name the address the mail was forwarded to, not ours.
        return FailedRecipient(
            address, report.recipients[0].status, "failed", report.recipients[0].diagnostic
        )
    return None


def _record(
    row: Outbox, address: str, failure: FailedRecipient, inbound_mail_id: int | None
) -> None:
    now = clock.now()
    detail = failure.diagnostic
    if failure.status and failure.status not in detail:
        detail = f"{failure.status} {detail}".strip()
    detail = detail[:1000]
    events.record(
        row.ticket,
        EventKind.MAIL_BOUNCED,
        by=None,
        field="email",
        new=address,
        reason=detail,
        data={
            "outbox_id": row.pk,
            "kind": row.kind,
            "status": failure.status,
            "permanent": failure.permanent,
            "inbound_mail_id": inbound_mail_id,
        },
    )
    with transaction.atomic():
        updated = BouncedAddress.objects.filter(address=address).update(
            count=F("count") + 1,
            last_at=now,
            status=failure.status[:20],
            diagnostic=failure.diagnostic,
            ticket=row.ticket,
            permanent=True,
        )
        if not updated:
            BouncedAddress.objects.create(
                address=address,
                status=failure.status[:20],
                diagnostic=failure.diagnostic,
                first_at=now,
                last_at=now,
                ticket=row.ticket,
            )


def bouncing(addresses: list[str]) -> dict[str, BouncedAddress]:
    """The addresses of `addresses` (any case) marked as bouncing, by lower-case address."""
    wanted = {a.strip().lower() for a in addresses if a}
    if not wanted:
        return {}
    return {b.address: b for b in BouncedAddress.objects.filter(address__in=wanted)}


def suppressed_reason(address: str) -> str:
    """Why a notification to `address` is not sent ("" when it may be)."""
    return suppressed_reasons([address]).get(address, "")


def suppressed_reasons(addresses: list[str]) -> dict[str, str]:
    """`suppressed_reason` of each address of `addresses` that may not be mailed (one query)."""
    if settings.ESCALA_MAIL_BOUNCED_ADDRESSES != "suppress":
        return {}
    marks = bouncing(addresses)
    if not marks:
        return {}
    reasons = {}
    for address in addresses:
        if (mark := marks.get(address.strip().lower())) is not None:
            reasons[address] = _reason(mark)
    return reasons


def _reason(mark: BouncedAddress) -> str:
    return _("Not sent: mail to %(address)s bounced (%(status)s) on %(date)s.") % {
        "address": mark.address,
        "status": mark.status or _("no status"),
        "date": mark.last_at.date().isoformat(),
    }


def clear(addresses: list[str]) -> int:
    """The addresses wrote to us (or an agent says they work again): no longer bouncing."""
    wanted = sorted({a.strip().lower() for a in addresses if a})
    if not wanted:
        return 0
    return BouncedAddress.objects.filter(address__in=wanted).delete()[0]
