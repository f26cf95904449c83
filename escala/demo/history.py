"""Generates demo tickets with a plausible history: the same rows the actions would write
(ticket, messages, events, tier stays, vendor cases), but in bulk."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from escala.tickets.choices import (
    AuthorKind,
    Channel,
    EventKind,
    MessageKind,
    Status,
    StayReason,
    VendorCaseStatus,
)
from escala.tickets.models import Message, Ticket, TicketEvent, TierStay, VendorCase
from escala.tiers.choices import DEFAULT_PRIORITY_MATRIX, Impact, Urgency

from . import content, variety
from .bulk import BulkWriter
from .organization import DemoOrg

CHANNELS = [Channel.EMAIL] * 9 + [Channel.PORTAL] * 6 + [Channel.PHONE] * 4 + [Channel.API]
TICKET_COLUMNS = [
    "subject",
    "requester",
    "organization",
    "channel",
    "status",
    "impact",
    "urgency",
    "priority",
    "category",
    "tier",
    "team",
    "assignee",
    "vendor",
    "vendor_case_number",
    "parent",
    "merged_into",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "resolution_summary",
    "version",
]
MESSAGE_COLUMNS = [
    "ticket",
    "kind",
    "author_kind",
    "author_user",
    "author_requester",
    "author_vendor",
    "author_name",
    "body",
    "channel",
    "created_at",
    "time_spent",
    "original_ticket",
]
EVENT_COLUMNS = [
    "ticket",
    "kind",
    "actor",
    "actor_name",
    "created_at",
    "field",
    "old_value",
    "new_value",
    "reason",
    "data",
]
STAY_COLUMNS = [
    "ticket",
    "tier",
    "team",
    "vendor",
    "entered_at",
    "entered_by",
    "entry_reason",
    "entry_note",
    "handover",
    "left_at",
    "left_by",
    "exit_reason",
]
CASE_COLUMNS = [
    "ticket",
    "vendor",
    "external_reference",
    "contact",
    "status",
    "opened_at",
    "opened_by",
    "closed_at",
    "closed_by",
    "outcome",
]


def register(writer: BulkWriter) -> None:
    writer.register(Ticket, TICKET_COLUMNS)
    writer.register(Message, MESSAGE_COLUMNS)
    writer.register(TicketEvent, EVENT_COLUMNS)
    writer.register(TierStay, STAY_COLUMNS)
    writer.register(VendorCase, CASE_COLUMNS)


class TicketStory:
    """Plays one ticket's life forward in time, writing rows as it goes."""

    def __init__(
        self, writer: BulkWriter, org: DemoOrg, rng: random.Random, start: datetime, now: datetime
    ) -> None:
        self.w, self.org, self.rng, self.t, self.now = writer, org, rng, start, now
        self.events = 0

    def later(self, lo: float, hi: float) -> datetime:
        self.t += timedelta(minutes=self.rng.uniform(lo, hi))
        return self.t

    def event(
        self,
        kind: str,
        agent,
        *,
        field: str = "",
        old: str = "",
        new: str = "",
        reason: str = "",
        data: dict | None = None,
    ) -> None:
        user_id = agent.user_id if agent else None
        name = agent.display_name if agent else self.requester.name
        self.w.add(
            TicketEvent,
            self.ticket_id,
            kind,
            user_id,
            name,
            self.t,
            field,
            old,
            new,
            reason,
            data or {},
        )

    def message(
        self,
        kind: str,
        author_kind: str,
        body: str,
        *,
        agent=None,
        vendor=None,
        minutes: int | None = None,
    ) -> None:
        requester = self.requester if author_kind == AuthorKind.REQUESTER else None
        name = agent.display_name if agent else vendor.name if vendor else self.requester.name
        self.w.add(
            Message,
            self.ticket_id,
            kind,
            author_kind,
            agent.user_id if agent else None,
            requester.pk if requester else None,
            vendor.pk if vendor else None,
            name,
            body,
            self.channel,
            self.t,
            timedelta(minutes=minutes) if minutes else None,
            self.ticket_id,
        )

    def stay(
        self, tier, team, reason: str, agent, *, note: str = "", handover: str = "", vendor=None
    ) -> None:
        self.close_stay = self._open_stay(tier, team, reason, agent, note, handover, vendor)

    def _open_stay(self, tier, team, reason, agent, note, handover, vendor) -> Callable:
        entered = self.t
        entered_by = agent.user_id if agent else None
        ticket_id = self.ticket_id

        def close(exit_reason: str | None, by) -> None:
            left = self.t if exit_reason else None
            self.w.add(
                TierStay,
                ticket_id,
                tier.pk,
                team.pk if team else None,
                vendor.pk if vendor else None,
                entered,
                entered_by,
                reason,
                note,
                handover,
                left,
                by.user_id if (by and left) else None,
                exit_reason or "",
            )

        return close

    def pick_agent(self, team):
        agents = self.org.agents_by_team.get(team.pk) if team else None
        return self.rng.choice(agents) if agents else None

    def reopen(self, tier, team, assignee, lang: str) -> tuple[str, datetime | None, str]:
        """The requester says it still fails: the ticket reopens at the tier that resolved it
        and is solved again, unless that happened in the last two days: then it is still open."""
        self.event(
            EventKind.REOPENED,
            None,
            field="status",
            old=Status.RESOLVED,
            new=Status.REOPENED,
            reason=content.REOPEN_REASONS[lang],
        )
        self.stay(tier, team, StayReason.REOPENED, None, note=content.REOPEN_REASONS[lang])
        if self.now - self.t < timedelta(days=2):  # too recent to be solved again yet
            return Status.REOPENED, None, ""
        self.later(15, 900)
        self.agent_answers(assignee, lang)
        self.later(30, 1200)
        return Status.RESOLVED, self.t, self.resolve(assignee, lang, was=Status.REOPENED)

    def agent_answers(self, assignee, lang: str) -> None:
        self.message(
            MessageKind.REPLY,
            AuthorKind.AGENT,
            self.rng.choice(content.AGENT_REPLIES[lang]),
            agent=assignee,
            minutes=self.rng.randint(2, 15),
        )
        self.event(EventKind.REPLIED, assignee)

    def resolve(self, assignee, lang: str, *, was: str) -> str:
        """The ticket is solved: its stay ends and the resolution is recorded; the summary."""
        summary = self.rng.choice(content.RESOLUTIONS[lang])
        self.close_stay(StayReason.RESOLVED, assignee)
        self.event(
            EventKind.RESOLVED,
            assignee,
            field="status",
            old=was,
            new=Status.RESOLVED,
            reason=summary,
        )
        return summary

    def play(self, ticket_id: int) -> None:  # noqa: C901, PLR0915 - one story, read top to bottom
        rng, org = self.rng, self.org
        self.ticket_id = ticket_id
        self.requester = requester = rng.choice(org.requesters)
        lang = requester.language if requester.language in ("es", "en") else "es"
        category = rng.choice(org.categories)
        subject, body = variety.vary(
            category.code, *rng.choice(content.TEXTS[category.code][lang]), lang, rng
        )
        self.channel = rng.choice(CHANNELS)
        impact = rng.choice([Impact.LOW, Impact.MEDIUM, Impact.MEDIUM, Impact.HIGH])
        urgency = rng.choice([Urgency.LOW, Urgency.MEDIUM, Urgency.MEDIUM, Urgency.HIGH])
        created = self.t
        tier = org.tiers[category.tier.level]
        team = category.team

        self.message(MessageKind.REPLY, AuthorKind.REQUESTER, body)
        self.event(EventKind.CREATED, None, new=tier.short, data={"channel": self.channel})
        self.stay(tier, team, StayReason.CREATED, None)

        # How far this ticket goes: most are solved at the first level.
        roll = rng.random()
        target = 1 if roll < 0.62 else 2 if roll < 0.86 else 3 if roll < 0.96 else 4
        target = max(target, tier.level)
        age_days = (self.now - created).total_seconds() / 86400
        stop_early = age_days < 10 and rng.random() < 0.55  # recent tickets are often still open

        status, assignee, first_response = Status.NEW, None, None
        resolved_at = closed_at = None
        summary = ""
        vendor_obj = None
        if not (stop_early and rng.random() < 0.25):
            assignee = self.pick_agent(team)
            self.later(2, 90)
            if assignee:
                self.event(EventKind.CLAIMED, assignee, field="assignee", new=assignee.display_name)
            self.event(
                EventKind.STATUS_CHANGED, assignee, field="status", old=Status.NEW, new=Status.OPEN
            )
            status = Status.OPEN
            self.later(1, 30)
            self.agent_answers(assignee, lang)
            first_response = self.t
            level = tier.level
            while level < min(target, 3) and not (stop_early and rng.random() < 0.3):
                reason, handover = rng.choice(content.HANDOVERS)
                self.later(20, 600)
                next_tier = org.tiers[level + 1]
                next_team = org.team_for(category, next_tier)
                self.close_stay(StayReason.ESCALATED, assignee)
                self.message(MessageKind.NOTE, AuthorKind.AGENT, handover, agent=assignee)
                self.event(
                    EventKind.ESCALATED,
                    assignee,
                    field="tier",
                    old=f"L{level}",
                    new=next_tier.short,
                    reason=reason,
                    data={"handover": handover},
                )
                self.stay(
                    next_tier,
                    next_team,
                    StayReason.ESCALATED,
                    assignee,
                    note=reason,
                    handover=handover,
                )
                tier, team, level = next_tier, next_team, next_tier.level
                self.later(10, 300)
                assignee = self.pick_agent(team)
                if assignee:
                    self.event(
                        EventKind.CLAIMED, assignee, field="assignee", new=assignee.display_name
                    )
            if target == 4 and level == 3 and not stop_early:
                vendor_obj = rng.choice(org.vendors)
                self.later(60, 2000)
                case_no = f"SR-{rng.randint(10000, 99999)}"
                self.close_stay(StayReason.REFERRED, assignee)
                self.event(
                    EventKind.REFERRED_TO_VENDOR,
                    assignee,
                    field="tier",
                    old="L3",
                    new="L4",
                    reason="Análisis adjunto / analysis attached",
                    data={"vendor_id": vendor_obj.pk, "external_reference": case_no},
                )
                self.event(
                    EventKind.STATUS_CHANGED,
                    assignee,
                    field="status",
                    old=Status.OPEN,
                    new=Status.PENDING_VENDOR,
                )
                self.stay(org.tiers[4], team, StayReason.REFERRED, assignee, vendor=vendor_obj)
                opened = self.t
                self.later(600, 12000)
                self.message(
                    MessageKind.NOTE,
                    AuthorKind.VENDOR,
                    f"Case {case_no}: patch available.",
                    vendor=vendor_obj,
                )
                self.event(EventKind.VENDOR_MESSAGE, None)
                self.w.add(
                    VendorCase,
                    self.ticket_id,
                    vendor_obj.pk,
                    case_no,
                    "",
                    VendorCaseStatus.CLOSED,
                    opened,
                    assignee.user_id if assignee else None,
                    self.t,
                    assignee.user_id if assignee else None,
                    "Patch delivered",
                )
                self.event(
                    EventKind.VENDOR_CASE_CLOSED, assignee, field="vendor", old=vendor_obj.name
                )
                self.close_stay(StayReason.RETURNED, assignee)
                self.event(
                    EventKind.DE_ESCALATED,
                    assignee,
                    field="tier",
                    old="L4",
                    new="L3",
                    reason="Parche recibido / patch received",
                )
                self.event(
                    EventKind.STATUS_CHANGED,
                    assignee,
                    field="status",
                    old=Status.PENDING_VENDOR,
                    new=Status.OPEN,
                )
                self.stay(org.tiers[3], team, StayReason.RETURNED, assignee)
            if not stop_early:
                self.later(5, 2400)
                summary = self.resolve(assignee, lang, was=status)
                status, resolved_at = Status.RESOLVED, self.t
                if rng.random() < 0.35:
                    self.later(10, 600)
                    follow_ups = content.REQUESTER_FOLLOW_UPS[lang]
                    pick = rng.randrange(len(follow_ups))
                    self.message(MessageKind.REPLY, AuthorKind.REQUESTER, follow_ups[pick])
                    self.event(EventKind.REQUESTER_REPLIED, None)
                    if pick == content.FOLLOW_UP_STILL_BROKEN and rng.random() < 0.5:
                        status, resolved_at, summary = self.reopen(tier, team, assignee, lang)
                if (
                    status == Status.RESOLVED
                    and self.t + timedelta(days=7) < self.now
                    and rng.random() < 0.8
                ):
                    self.t += timedelta(days=7)
                    self.event(
                        EventKind.CLOSED,
                        None,
                        field="status",
                        old=Status.RESOLVED,
                        new=Status.CLOSED,
                    )
                    status, closed_at = Status.CLOSED, self.t
            elif rng.random() < 0.3:
                self.later(5, 120)
                self.event(
                    EventKind.STATUS_CHANGED,
                    assignee,
                    field="status",
                    old=Status.OPEN,
                    new=Status.PENDING_CUSTOMER,
                )
                status = Status.PENDING_CUSTOMER
        if status not in (Status.RESOLVED, Status.CLOSED):
            self.close_stay(None, None)
        self.w.add(
            Ticket,
            subject,
            requester.pk,
            requester.organization_id,
            self.channel,
            status,
            impact,
            urgency,
            DEFAULT_PRIORITY_MATRIX[(impact, urgency)],
            category.pk,
            tier.pk,
            team.pk if team else None,
            assignee.pk if assignee else None,
            None,
            "",
            None,
            None,
            created,
            self.t,
            first_response,
            resolved_at,
            closed_at,
            summary,
            1,
            pk=ticket_id,
        )
