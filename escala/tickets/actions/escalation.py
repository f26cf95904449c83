"""Moving a ticket between tiers: up (escalate), down (de-escalate), out (refer to a vendor)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock, rows
from escala.core.errors import InvalidTransition, ValidationFailed
from escala.people.queries import agent_of
from escala.tiers.models import SupportTier, Team, Vendor
from escala.tiers.queries import team_for, vendor_tier

from .. import events
from ..choices import EventKind, Status, StayReason, VendorCaseStatus
from ..models import Ticket, TierStay, VendorCase
from ..permissions import ensure_can_work
from ._common import (
    add_participant_row,
    close_open_vendor_case,
    close_stay,
    lock,
    open_stay,
    require_open,
    required_text,
    set_status,
    start_work,
    touch,
)


def _check_team(team: Team | None, tier: SupportTier) -> None:
    if team is not None and team.tier_id != tier.pk:
        raise ValidationFailed(
            _("Team %(team)s does not belong to %(tier)s.") % {"team": team, "tier": tier},
            field="to_team",
        )


def _keep_following(ticket: Ticket, by: Any) -> None:
    """The agent who hands a ticket on stays a participant, so they can follow (and learn)."""
    agent = agent_of(by) if by is not None else None
    if agent is not None:
        add_participant_row(ticket, agent=agent)


def escalate_ticket(
    *,
    ticket: Ticket | int,
    by: Any,
    reason: str,
    handover: str,
    to_tier: SupportTier | None = None,
    to_team: Team | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Send a ticket up to the next tier, or to a chosen higher one, with what was tried."""
    reason = required_text(
        reason,
        field="reason",
        message=_("An escalation needs a reason: why can this tier not solve it?"),
    )
    handover = required_text(
        handover,
        field="handover",
        message=_("Write a handover summary: what was checked and what is known."),
    )
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        require_open(locked, _("Escalating"))
        current = locked.tier
        if current.is_external:
            raise InvalidTransition(
                _("The ticket is with a vendor; bring it back before escalating it.")
            )
        if to_tier is None:
            to_tier = (
                SupportTier.objects.filter(level__gt=current.level, is_external=False)
                .order_by("level")
                .first()
            )
            if to_tier is None:
                raise InvalidTransition(
                    _("There is no higher internal tier; refer the ticket to a vendor instead."),
                    field="to_tier",
                )
        if to_tier.is_external:
            raise InvalidTransition(
                _("Level %(level)s is an external vendor: use “refer to vendor”.")
                % {"level": to_tier.level},
                field="to_tier",
            )
        if to_tier.level <= current.level:
            raise InvalidTransition(
                _("Escalation goes up: choose a tier above %(tier)s.") % {"tier": current},
                field="to_tier",
            )
        _check_team(to_team, to_tier)
        team = to_team or team_for(tier=to_tier, category=locked.category)
        old_team = locked.team
        close_stay(locked, by=by, reason=StayReason.ESCALATED)
        open_stay(
            locked,
            tier=to_tier,
            team=team,
            by=by,
            reason=StayReason.ESCALATED,
            note=reason,
            handover=handover,
        )
        events.record(
            locked,
            EventKind.ESCALATED,
            by=by,
            field="tier",
            old=current.short,
            new=to_tier.short,
            reason=reason,
            data={
                "handover": handover,
                "from_tier_id": current.pk,
                "to_tier_id": to_tier.pk,
                "from_team_id": old_team.pk if old_team else None,
                "to_team_id": team.pk if team else None,
                "to_team": team.name if team else "",
                "from_assignee_id": locked.assignee_id,
            },
        )
        _keep_following(locked, by)
        locked.tier = to_tier
        locked.team = team
        locked.assignee = None  # the receiving tier's queue takes it
        start_work(locked, by=by)
        touch(locked)
    return locked


def de_escalate_ticket(
    *,
    ticket: Ticket | int,
    by: Any,
    note: str,
    to_tier: SupportTier | None = None,
    to_team: Team | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Send a ticket back down, e.g. to Level 1 to apply a known fix, or home from a vendor."""
    note = required_text(
        note, field="note", message=_("Say what the lower tier should do with the ticket.")
    )
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        require_open(locked, _("De-escalating"))
        current = locked.tier
        previous = _previous_internal_stay(locked, below=current.level)
        if to_tier is None:
            to_tier = (
                previous.tier
                if previous is not None
                else (
                    SupportTier.objects.filter(level__lt=current.level, is_external=False)
                    .order_by("-level")
                    .first()
                )
            )
            if to_tier is None:
                raise InvalidTransition(
                    _("There is no lower tier to send this ticket to."), field="to_tier"
                )
        if to_tier.is_external or to_tier.level >= current.level:
            raise InvalidTransition(
                _("De-escalation goes down: choose an internal tier below %(tier)s.")
                % {"tier": current},
                field="to_tier",
            )
        _check_team(to_team, to_tier)
        team = to_team
        if team is None and previous is not None and previous.tier_id == to_tier.pk:
            team = previous.team  # home to the team that handed it on
        if team is None:
            team = team_for(tier=to_tier, category=locked.category)
        returning = current.is_external
        if returning:
            close_open_vendor_case(locked, by=by, outcome=note)
        reason = StayReason.RETURNED if returning else StayReason.DE_ESCALATED
        close_stay(locked, by=by, reason=reason)
        open_stay(locked, tier=to_tier, team=team, by=by, reason=reason, note=note)
        events.record(
            locked,
            EventKind.DE_ESCALATED,
            by=by,
            field="tier",
            old=current.short,
            new=to_tier.short,
            reason=note,
            data={
                "from_tier_id": current.pk,
                "to_tier_id": to_tier.pk,
                "to_team_id": team.pk if team else None,
                "to_team": team.name if team else "",
                "from_vendor": returning,
            },
        )
        _keep_following(locked, by)
        locked.tier = to_tier
        locked.team = team
        # Back from a vendor, the agent who referred it keeps it if they work at that team.
        keep_assignee = (
            returning
            and locked.assignee is not None
            and team is not None
            and locked.assignee.teams.filter(pk=team.pk).exists()
        )
        if not keep_assignee:
            locked.assignee = None
        if locked.status == Status.PENDING_VENDOR:
            set_status(locked, Status.OPEN, by=by)
        start_work(locked, by=by)
        touch(locked)
    return locked


def _previous_internal_stay(ticket: Ticket, *, below: int) -> TierStay | None:
    rows.flush()  # a stay opened earlier in this batch
    return (
        TierStay.objects.filter(ticket=ticket, tier__level__lt=below, tier__is_external=False)
        .select_related("tier", "team")
        .order_by("-entered_at", "-id")
        .first()
    )


def refer_to_vendor(
    *,
    ticket: Ticket | int,
    by: Any,
    vendor: Vendor,
    reason: str,
    case_number: str = "",
    contact: str = "",
    expected_version: int | None = None,
) -> VendorCase:
    """Level 4: hand the ticket to an outside vendor, measured as its own vendor case."""
    reason = required_text(
        reason, field="reason", message=_("Say what the vendor is asked to do and what is known.")
    )
    if not vendor.is_active:
        raise ValidationFailed(_("This vendor is no longer under contract."), field="vendor")
    tier = vendor_tier()
    if tier is None:
        raise InvalidTransition(_("No external tier is configured."), field="vendor")
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        require_open(locked, _("Referring to a vendor"))
        if VendorCase.objects.filter(ticket=locked, status=VendorCaseStatus.OPEN).exists():
            raise InvalidTransition(
                _("The ticket is already with %(vendor)s.") % {"vendor": locked.vendor}
            )
        current = locked.tier
        case = VendorCase.objects.create(
            ticket=locked,
            vendor=vendor,
            external_reference=case_number.strip()[:100],
            contact=contact.strip()[:200],
            opened_at=clock.now(),
            opened_by=by,
        )
        close_stay(locked, by=by, reason=StayReason.REFERRED)
        # The referring team keeps the ticket in its queue while the vendor works on it.
        open_stay(
            locked,
            tier=tier,
            team=locked.team,
            by=by,
            reason=StayReason.REFERRED,
            note=reason,
            vendor=vendor,
        )
        events.record(
            locked,
            EventKind.REFERRED_TO_VENDOR,
            by=by,
            field="tier",
            old=current.short,
            new=tier.short,
            reason=reason,
            data={
                "vendor_id": vendor.pk,
                "vendor": vendor.name,
                "vendor_case_id": case.pk,
                "external_reference": case.external_reference,
                "from_tier_id": current.pk,
            },
        )
        set_status(locked, Status.PENDING_VENDOR, by=by)
        _keep_following(locked, by)
        locked.tier = tier
        locked.vendor = vendor
        locked.vendor_case_number = case.external_reference
        touch(locked)
    return case


def set_vendor_case_number(
    *, ticket: Ticket | int, by: Any, case_number: str, expected_version: int | None = None
) -> VendorCase:
    """Record the vendor's own case number once they give it (often in their first answer)."""
    case_number = required_text(
        case_number, field="case_number", message=_("The vendor case number is empty.")
    )[:100]
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        case = VendorCase.objects.filter(ticket=locked, status=VendorCaseStatus.OPEN).first()
        if case is None:
            raise InvalidTransition(_("The ticket has no open vendor case."), field="case_number")
        if case.external_reference == case_number:
            return case
        events.record(
            locked,
            EventKind.FIELD_CHANGED,
            by=by,
            field="vendor_case_number",
            old=case.external_reference,
            new=case_number,
            data={"vendor_case_id": case.pk},
        )
        case.external_reference = case_number
        case.save(update_fields=["external_reference"])
        locked.vendor_case_number = case_number
        touch(locked)
    return case
