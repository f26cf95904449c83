"""Major incidents: declare, link the affected tickets in bulk, tell every affected person at
once, take "this affects me too" from the portal instead of a new ticket, resolve them all.

Each action checks the policy, writes its change and its MajorIncidentEvent in one transaction.
An update reaches a linked ticket as a public reply in its requester's language (the ticket's
own notification mail follows), and a subscriber by a mail of its own."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from escala.mail.choices import NotificationKind
from escala.mail.outbound import queue_mail
from escala.people.queries import requester_of
from escala.tickets import actions as tickets
from escala.tickets.choices import OPEN_STATUSES
from escala.tickets.models import Ticket
from escala.tickets.permissions import can_work, ensure_can_work

from . import banner, hooks
from .actions import actor_name
from .choices import MajorIncidentEventKind, MajorIncidentStatus
from .models import (
    MajorIncident,
    MajorIncidentEvent,
    MajorIncidentSubscriber,
    MajorIncidentTicket,
    MajorIncidentUpdate,
    Problem,
)
from .permissions import ensure_staff


def _record(
    incident: MajorIncident,
    kind: str,
    *,
    by: Any,
    new: object = "",
    ticket: Ticket | None = None,
    data: dict | None = None,
) -> MajorIncidentEvent:
    event = MajorIncidentEvent.objects.create(
        major_incident=incident,
        kind=kind,
        actor=by,
        actor_name=actor_name(by),
        created_at=clock.now(),
        new_value=str(new)[:250],
        ticket=ticket,
        data=data or {},
    )
    hooks.major_event(incident, event)  # in the same transaction: no change, no delivery
    return event


def _one_line(value: str | None, *, field: str, message: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationFailed(message, field=field)
    if len(text) > 200:
        raise ValidationFailed(_("At most %(limit)d characters.") % {"limit": 200}, field=field)
    return text


def _lock(incident: MajorIncident | int) -> MajorIncident:
    pk = incident.pk if isinstance(incident, MajorIncident) else incident
    try:
        return MajorIncident.objects.select_for_update().get(pk=pk)
    except (MajorIncident.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Major incident not found.")) from None


def _require_active(incident: MajorIncident) -> None:
    if not incident.is_active:
        raise InvalidTransition(_("This major incident is already resolved."), field="status")


def declare_major_incident(
    *,
    by: Any,
    title_es: str,
    title_en: str = "",
    description: str = "",
    from_ticket: Ticket | None = None,
    problem: Problem | None = None,
    show_in_portal: bool = True,
) -> MajorIncident:
    """Any agent may declare one (Level 1 sees the flood first). The titles are what every
    requester reads in the portal's banner and the mails: one in each language (the other is
    copied when only one is given)."""
    ensure_staff(by)
    es = title_es and _one_line(title_es, field="title_es", message="")
    en = title_en and _one_line(title_en, field="title_en", message="")
    if not (es or en):
        raise ValidationFailed(_("Give the major incident a public title."), field="title_es")
    now = clock.now()
    with transaction.atomic():
        incident = MajorIncident.objects.create(
            title_es=es or en,
            title_en=en or es,
            description=(description or "").strip(),
            show_in_portal=show_in_portal,
            source_ticket=from_ticket,
            problem=problem,
            declared_by=by,
            declared_at=now,
            updated_at=now,
        )
        _record(incident, MajorIncidentEventKind.DECLARED, by=by, new=incident.title_es)
        banner.forget()
        if from_ticket is not None:
            _link(incident, from_ticket, by)
    return incident


def _link(
    incident: MajorIncident, ticket: Ticket | int, by: Any, *, record: bool = True
) -> MajorIncidentTicket | None:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("Ticket not found."), field="tickets")
    ensure_can_work(by, found)
    existing = MajorIncidentTicket.objects.filter(ticket=found).first()
    if existing is not None:
        if existing.major_incident_id == incident.pk:
            return None
        raise ValidationFailed(
            _("%(ticket)s is already linked to MI-%(other)05d.")
            % {"ticket": found.reference, "other": existing.major_incident_id},
            field="tickets",
        )
    link = MajorIncidentTicket.objects.create(
        major_incident=incident, ticket=found, linked_at=clock.now(), linked_by=by
    )
    if record:
        _record(
            incident, MajorIncidentEventKind.TICKET_LINKED, by=by, new=found.reference, ticket=found
        )
    return link


def link_to_major_incident(
    *, incident: MajorIncident | int, tickets: Iterable[Ticket | int], by: Any
) -> list[MajorIncidentTicket]:
    """Link tickets in bulk: all of them or none."""
    ensure_staff(by)
    with transaction.atomic():
        locked = _lock(incident)
        _require_active(locked)
        made = [link for t in tickets if (link := _link(locked, t, by, record=False)) is not None]
        if made:  # one event for the bulk link: the history reads "linked 30 tickets", once
            refs = [link.ticket.reference for link in made]
            _record(
                locked,
                MajorIncidentEventKind.TICKET_LINKED,
                by=by,
                new=", ".join(refs),
                ticket=made[0].ticket if len(made) == 1 else None,
                data={"tickets": [link.ticket_id for link in made]},
            )
    return made


def unlink_from_major_incident(*, incident: MajorIncident | int, ticket: Ticket | int, by: Any):
    ensure_staff(by)
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    with transaction.atomic():
        locked = _lock(incident)
        link = MajorIncidentTicket.objects.filter(major_incident=locked, ticket_id=pk).first()
        if link is None:
            raise ValidationFailed(_("That ticket is not linked here."), field="ticket")
        ensure_can_work(by, link.ticket)
        _record(
            locked,
            MajorIncidentEventKind.TICKET_UNLINKED,
            by=by,
            new=link.ticket.reference,
            ticket=link.ticket,
        )
        link.delete()


@dataclass
class Reach:
    """Who an update reached: tickets answered, subscribers mailed, and the tickets it could
    not reach (named, so the agent can act on them)."""

    tickets: int = 0
    subscribers: int = 0
    missed: list[str] = field(default_factory=list)


def _texts(body_es: str, body_en: str) -> tuple[str, str]:
    es, en = (body_es or "").strip(), (body_en or "").strip()
    if not (es or en):
        raise ValidationFailed(_("Write the update."), field="body_es")
    return es or en, en or es


def _mail_subscribers(incident: MajorIncident, update: MajorIncidentUpdate, by: Any, *, skip):
    sent = 0
    subscribers = incident.subscribers.select_related("requester").exclude(requester_id__in=skip)
    for sub in subscribers:
        requester = sub.requester
        if not requester.email:
            continue
        language = requester.language or "es"
        with translation.override(language):
            subject = _("[%(ref)s] Known issue: %(title)s") % {
                "ref": incident.reference,
                "title": incident.title(language),
            }
            lines = [
                _("Hello %(name)s,") % {"name": requester.name},
                _("You told us this affects you too. Here is the latest:"),
                update.body(language),
            ]
            if update.final:
                lines.append(_("This issue is now resolved. Thank you for your patience."))
        queue_mail(
            ticket=None,
            kind=NotificationKind.MAJOR_INCIDENT,
            to=requester.email,
            subject=subject,
            body="\n\n".join(lines),
            by=by,
        )
        sent += 1
    return sent


def _post(incident: MajorIncident, by: Any, es: str, en: str, *, final: bool, resolve: bool):
    update = MajorIncidentUpdate.objects.create(
        major_incident=incident,
        body_es=es,
        body_en=en,
        by=by,
        created_at=clock.now(),
        final=final,
    )
    reach = Reach()
    reached_requesters: set[int] = set()
    links = MajorIncidentTicket.objects.filter(major_incident=incident).select_related(
        "ticket__requester"
    )
    for link in links:
        ticket = link.ticket
        language = ticket.requester.language or "es"
        body = update.body(language)
        if by is not None and not can_work(by, ticket):
            reach.missed.append(ticket.reference)
            continue
        try:
            with transaction.atomic():  # one ticket's refusal leaves the others reached
                if resolve and ticket.status in OPEN_STATUSES:
                    tickets.resolve_ticket(ticket=ticket.pk, by=by, summary=body)
                elif ticket.status in OPEN_STATUSES or not final:
                    tickets.add_reply(ticket=ticket.pk, by=by, body=body)
        except DomainError:
            reach.missed.append(ticket.reference)
            continue
        reach.tickets += 1
        reached_requesters.add(ticket.requester_id)
    reach.subscribers = _mail_subscribers(incident, update, by, skip=reached_requesters)
    _record(
        incident,
        MajorIncidentEventKind.RESOLVED if final else MajorIncidentEventKind.UPDATE,
        by=by,
        new=es[:250],
        data={"tickets": reach.tickets, "subscribers": reach.subscribers, "missed": reach.missed},
    )
    incident.updated_at = update.created_at
    incident.version += 1
    banner.forget()
    return reach


def post_major_incident_update(
    *, incident: MajorIncident | int, by: Any, body_es: str = "", body_en: str = ""
) -> Reach:
    """One update to every linked requester (a public reply on each ticket, in its requester's
    language) and every subscriber (a mail); the portal's banner shows it as the latest."""
    ensure_staff(by)
    es, en = _texts(body_es, body_en)
    with transaction.atomic():
        locked = _lock(incident)
        _require_active(locked)
        reach = _post(locked, by, es, en, final=False, resolve=False)
        locked.save()
    return reach


def resolve_major_incident(
    *,
    incident: MajorIncident | int,
    by: Any,
    body_es: str = "",
    body_en: str = "",
    resolve_tickets: bool = True,
) -> Reach:
    """The service is back: the final update reaches everyone; with `resolve_tickets` every
    open linked ticket is resolved with it as its resolution summary, else only answered."""
    ensure_staff(by)
    es, en = _texts(body_es, body_en)
    with transaction.atomic():
        locked = _lock(incident)
        _require_active(locked)
        locked.status = MajorIncidentStatus.RESOLVED  # before the event, which reports it
        locked.resolved_at = clock.now()
        reach = _post(locked, by, es, en, final=True, resolve=resolve_tickets)
        locked.save()
    return reach


def subscribe(*, incident: MajorIncident | int, by: Any) -> MajorIncidentSubscriber:
    """ "This affects me too", from the portal's banner: the person is kept informed instead of
    opening a ticket (a request answered by the banner)."""
    requester = requester_of(by)
    if requester is None:
        raise ValidationFailed(_("Only requesters can subscribe to a known issue."), field="by")
    with transaction.atomic():
        locked = _lock(incident)
        if not (locked.is_active and locked.show_in_portal):
            raise NotFound(_("Major incident not found."))
        existing = MajorIncidentSubscriber.objects.filter(
            major_incident=locked, requester=requester
        ).first()
        if existing is not None:
            return existing
        sub = MajorIncidentSubscriber.objects.create(
            major_incident=locked, requester=requester, created_at=clock.now()
        )
        _record(locked, MajorIncidentEventKind.SUBSCRIBED, by=by, new=requester.name)
    return sub
