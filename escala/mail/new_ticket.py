"""A mail that opens a ticket: the requester for an unknown sender (organization by domain),
the category and impact/urgency a trusted mailbox may set, the acknowledgement the limits allow
(`limits`), a link to the closed ticket it answered."""

from __future__ import annotations

from django.conf import settings
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from escala.core import memo, rows
from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Organization, Requester
from escala.tickets import actions
from escala.tickets.choices import Channel, LinkKind
from escala.tickets.models import Ticket
from escala.tickets.requester_fields import staff_fields_ignored
from escala.tiers.models import Category

from . import filing, limits, outbound, route, thread_match
from .choices import InboundStatus, Outcome
from .models import InboundMail
from .parse import (
    ParsedMail,
)


def prefetch_organizations(senders: list[str]) -> None:
    """The organizations of the batch's sender domains (for new requesters), in one query."""
    domains = sorted({s.rpartition("@")[2].lower() for s in senders if "@" in s})
    if domains:
        found = _organizations_by_domain(domains)
        for domain in domains:
            memo.remember(("org", domain), found.get(domain))


def _organizations_by_domain(domains: list[str]) -> dict[str, Organization]:
    """The active organization of each (lower-case) mail domain; by name when two claim one."""
    found: dict[str, Organization] = {}
    orgs = (
        Organization.objects.annotate(domain=Lower("email_domain"))
        .filter(domain__in=domains, is_active=True)
        .order_by(*Organization._meta.ordering, "pk")
    )
    for org in orgs:
        found.setdefault(org.domain, org)
    return found


def _subject(parsed: ParsedMail) -> str:
    subject = thread_match.reference_pattern().sub("", parsed.subject).strip()
    return (subject or _("(no subject)"))[:250]


def _requester_for(parsed: ParsedMail, *, checked: bool = False) -> Requester:
    """The requester for an unknown sender. `checked`: an agent already vouched for them."""
    address = parsed.from_addr
    domain = address.rpartition("@")[2].lower()
    allowed = [d.lower().lstrip("@") for d in settings.ESCALA_MAIL_ALLOWED_DOMAINS]
    if allowed and domain not in allowed and not checked:
        raise route.Hold(
            Outcome.DOMAIN_NOT_ALLOWED,
            _("Mail from %(domain)s may not open tickets.") % {"domain": domain},
        )
    if settings.ESCALA_MAIL_UNKNOWN_SENDERS == "hold" and not checked:
        raise route.Hold(
            Outcome.REFUSED, _("%(sender)s is not a known requester.") % {"sender": address}
        )
    org = memo.cached(("org", domain), lambda: _organizations_by_domain([domain]).get(domain))
    if org is None:
        org = memo.cached(("org", None), _default_organization)
    kind = (
        RequesterKind.EMPLOYEE
        if org.kind == OrganizationKind.DEPARTMENT
        else RequesterKind.CUSTOMER
    )
    requester = Requester(
        name=(parsed.from_name or address.partition("@")[0])[:200],
        email=address,
        kind=kind,
        organization=org,
    )
    if not rows.insert_unless_taken(requester):  # filed a moment ago by another worker
        requester = Requester.objects.get(email__iexact=address)
    memo.remember(("requester", address.lower()), requester)
    return requester


def _default_organization() -> Organization:
    org, _created = Organization.objects.get_or_create(
        name=settings.ESCALA_MAIL_DEFAULT_ORGANIZATION,
        defaults={"kind": OrganizationKind.CUSTOMER},
    )
    return org


def new_ticket(
    mail: InboundMail,
    parsed: ParsedMail,
    requester: Requester | None,
    *,
    related_to: Ticket | None = None,
    by=None,
    checked: bool = False,
) -> route.Result:
    if requester is None:
        requester = _requester_for(parsed, checked=checked)
    category = mail.mailbox.default_category if mail.mailbox else None
    trusted = mail.mailbox is not None and mail.mailbox.is_trusted
    if trusted and (code := parsed.header("x-escala-category")):
        # Control headers steer routing only from a mailbox marked trusted.
        category = Category.objects.filter(code=code.strip(), is_active=True).first()
    asked = {
        name: value
        for name in ("impact", "urgency")
        if (value := parsed.header(f"x-escala-{name}").strip().lower())
    }
    # The desk's fields from a requester's mail are dropped: the one requester-field policy.
    impact_urgency = staff_fields_ignored(asked, trusted=trusted)
    # No receipt for lists and bulk mail, nor beyond the acknowledgement limits (`limits`).
    quiet = (
        mail.no_auto_reply or not settings.ESCALA_MAIL_NOTIFY or not limits.may_acknowledge(mail)
    )
    with outbound.answering(parsed.message_id, no_auto_reply=quiet):
        ticket = actions.create_ticket(
            requester=requester,
            subject=_subject(parsed),
            body=parsed.text or _("(empty message)"),
            channel=Channel.EMAIL,
            by=by,
            category=category,
            attachments=filing.files(parsed),
            **impact_urgency,
        )
    message = ticket.opening_message
    if related_to is not None:
        actions.link_tickets(source=ticket, target=related_to, by=None, kind=LinkKind.RELATED)
    filing.after(mail, parsed, ticket, message)
    return route.Result(InboundStatus.PROCESSED, Outcome.NEW_TICKET, "", ticket, message)
