"""Calendars, policies and targets (configuration), and each ticket's clocks (derived state).

`TicketClock` is a denormalized cache of what `clocks.recompute` derives from the ticket's own
history: it can be thrown away and rebuilt at any time without losing counted time.
"""

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from escala.people.models import Organization
from escala.tickets.models import Ticket
from escala.tiers.choices import Priority
from escala.tiers.models import Category, SupportTier, Team

from . import clock
from .choices import ClockKind, Weekday


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone “%(tz)s”."), params={"tz": value}) from None


def validate_country(value: str) -> None:
    if not value:
        return
    import holidays

    if value.upper() not in holidays.list_supported_countries():
        raise ValidationError(_("Unknown country code “%(c)s”."), params={"c": value})


class BusinessCalendar(models.Model):
    """Working hours, time zone and days off, for an organization, a team, or the default."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Madrid", validators=[validate_time_zone]
    )
    country = models.CharField(
        _("holiday country"),
        max_length=3,
        blank=True,
        validators=[validate_country],
        help_text=_("ISO code whose public holidays are days off, e.g. ES."),
    )
    subdivision = models.CharField(
        _("holiday region"),
        max_length=10,
        blank=True,
        help_text=_("Region whose holidays also count, e.g. MD for Madrid."),
    )
    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="business_calendar",
        verbose_name=_("organization"),
    )
    team = models.OneToOneField(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="business_calendar",
        verbose_name=_("team"),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.country and self.subdivision:
            import holidays

            subdivisions = holidays.country_holidays(self.country.upper()).subdivisions
            if self.subdivision.upper() not in subdivisions:
                raise ValidationError(
                    {
                        "subdivision": _("“%(s)s” is not a region of %(c)s.")
                        % {"s": self.subdivision, "c": self.country}
                    }
                )

    def to_calendar(self) -> clock.Calendar:
        week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for hours in self.hours.all():
            week[hours.weekday].append((hours.start, hours.end))
        return clock.Calendar(
            time_zone=self.time_zone,
            week=tuple(tuple(sorted(day)) for day in week),
            days_off=frozenset(self.days_off.values_list("date", flat=True)),
            country=self.country.upper(),
            subdivision=self.subdivision.upper(),
        )


class WorkingHours(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != time(0) and self.start is not None and self.end <= self.start:
            raise ValidationError({"end": _("The interval must end after it starts.")})


class DayOff(models.Model):
    """A day the organization does not work besides public holidays (e.g. 24 December)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="days_off"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="day_off_once")]
        verbose_name = _("day off")
        verbose_name_plural = _("days off")

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SlaPolicy(models.Model):
    """Customer-facing targets. The first active policy (by order) that matches a ticket's
    priority, category and organization applies; an empty criterion matches anything."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("category")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("calendar"),
        help_text=_("Empty: the team's, else the organization's, else the default calendar."),
    )
    first_response_target = models.DurationField(_("first response within"), null=True, blank=True)
    next_response_target = models.DurationField(_("next response within"), null=True, blank=True)
    resolution_target = models.DurationField(_("resolution within"), null=True, blank=True)
    pause_on_pending_customer = models.BooleanField(_("pause while pending customer"), default=True)
    pause_on_pending_vendor = models.BooleanField(_("pause while pending vendor"), default=False)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (% of target)"), default=75, help_text=_("Between 1 and 99.")
    )
    raise_priority_on_breach = models.BooleanField(_("raise priority on breach"), default=True)
    escalate_on_breach = models.BooleanField(
        _("escalate a Level 1 ticket on breach"), default=False
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not 1 <= (self.warn_percent or 0) <= 99:
            raise ValidationError({"warn_percent": _("Choose a share between 1 and 99 %.")})

    def matches(self, *, priority: str, category_id: int | None, organization_id: int) -> bool:
        return (
            (not self.priority or self.priority == priority)
            and (self.category_id is None or self.category_id == category_id)
            and (self.organization_id is None or self.organization_id == organization_id)
        )


class TierTarget(models.Model):
    """Internal target (OLA): how long a ticket may stay at a tier before it is resolved or
    handed on, e.g. Level 1 within 4 business hours."""

    tier = models.OneToOneField(
        SupportTier, on_delete=models.CASCADE, related_name="target", verbose_name=_("tier")
    )
    target = models.DurationField(_("resolve or hand on within"))
    escalate_on_breach = models.BooleanField(
        _("escalate to the next tier on breach"), default=False
    )

    class Meta:
        ordering = ["tier__level"]
        verbose_name = _("tier target (OLA)")
        verbose_name_plural = _("tier targets (OLA)")

    def __str__(self) -> str:
        return f"{self.tier}: {self.target}"


class TicketClock(models.Model):
    """Where one clock of one ticket stands, as last computed from its history."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    # Which run of the clock: a new tier stay, requester message or vendor case starts a new one.
    cycle = models.CharField(max_length=40)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True)
    target = models.DurationField(_("target"), null=True, blank=True)
    elapsed = models.DurationField(_("counted"))
    started_at = models.DateTimeField(_("started"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned = models.BooleanField(_("warned"), default=False)
    breached = models.BooleanField(_("breached"), default=False)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="one_clock_per_kind")
        ]
        indexes = [
            # The sweep reads only these two small slices, however many tickets there are.
            models.Index(
                fields=["due_at"],
                condition=Q(breached=False, due_at__isnull=False),
                name="clock_due_unbreached",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(warned=False, warn_at__isnull=False),
                name="clock_warn_pending",
            ),
        ]
        verbose_name = _("ticket clock")
        verbose_name_plural = _("ticket clocks")

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_kind_display()}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None and not self.paused
