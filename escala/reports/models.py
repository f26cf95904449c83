"""Per-ticket facts: what metrics.ticket_facts() computed from a ticket's history, stored so the
dashboard aggregates a year of a million tickets in SQL. They are derived data: `facts.refresh`
rewrites a ticket's rows after each of its events, and `escala reports_rebuild` recomputes them
all (after a bulk load such as `escala demo`). The filter dimensions (organization, category,
team) are copied here so no aggregate needs a join."""

from django.db import models

from escala.tickets.models import Ticket


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="report_fact"
    )
    created_at = models.DateTimeField()
    organization_id = models.IntegerField()
    category_id = models.IntegerField(null=True)
    team_id = models.IntegerField(null=True)  # the current team, or the resolving team
    first_response_s = models.FloatField(null=True)
    ever_resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True)
    resolution_s = models.FloatField(null=True)
    resolving_level = models.PositiveSmallIntegerField(null=True)
    resolving_team_id = models.IntegerField(null=True)
    resolving_user_id = models.IntegerField(null=True)
    path = models.CharField(max_length=60)  # "1>2>1": levels visited, in order
    starts_l1 = models.BooleanField(default=False)
    l1_resolved = models.BooleanField(default=False)
    first_contact = models.BooleanField(default=False)
    reopens = models.PositiveIntegerField(default=0)
    escalations = models.PositiveIntegerField(default=0)  # moves up the path
    # The SLA clocks as metrics.sla_code() writes them ("1:f+r-"), from escala.sla's TicketClock.
    sla = models.CharField(max_length=20, default="")

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["resolving_user_id", "created_at"], name="fact_resolver"),
            models.Index(fields=["organization_id", "created_at"], name="fact_organization"),
            models.Index(fields=["category_id", "created_at"], name="fact_category"),
            models.Index(fields=["team_id", "created_at"], name="fact_team"),
        ]

    def __str__(self) -> str:
        return f"facts of #{self.ticket_id}"


class TierTimeFact(models.Model):
    """Time one ticket spent at one tier: closed stays summed, plus the open stay if any."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    seconds = models.FloatField(default=0)
    open_since_epoch = models.BigIntegerField(null=True)  # the open stay's start, Unix seconds
    created_at = models.DateTimeField()
    organization_id = models.IntegerField()
    category_id = models.IntegerField(null=True)
    team_id = models.IntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "level"], name="tier_time_once"),
        ]
        indexes = [models.Index(fields=["created_at", "level"], name="tier_time_created")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} at L{self.level}"


class Summary(models.Model):
    """Pre-aggregated facts of the tickets created on one (local) day or in one week (Monday to
    Sunday), for one slice: all tickets ("a"), one organization ("o"), category ("c") or team
    ("t"). A year's dashboard adds up ~60 of these rows (whole weeks, plus the days at the
    edges) instead of scanning every ticket. A day is rewritten whenever one of its tickets
    changes, and its week is added up again from its days (rollups.refresh_days), lazily: see
    StaleDay."""

    day = models.DateField()  # the day, or the Monday of the week
    slice = models.CharField(max_length=1)
    key = models.IntegerField(default=0)
    tickets = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    ever_resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    l1_base = models.PositiveIntegerField(default=0)
    l1_resolved = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    paths = models.JSONField(default=dict)  # {"1>2": tickets}
    tiers = models.JSONField(default=dict)  # {"2": [tickets, closed seconds, open, open since]}
    # {"r:1": {bucket: n}}: first response (f) / resolution (r) times per resolving level
    # (0: not resolved), in buckets of metrics.histogram_bucket().
    times = models.JSONField(default=dict)
    sla = models.JSONField(default=dict)  # {"1:f+r-": tickets}: see metrics.sla_code()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.slice}{self.key}"


class DaySummary(Summary):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "key", "day"], name="day_summary_once")
        ]


class WeekSummary(Summary):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "key", "day"], name="week_summary_once")
        ]


class StaleDay(models.Model):
    """A day whose summaries miss a ticket change. Adding a whole day up again costs a read of
    every ticket created that day, too much to do after every ticket event: the event only
    inserts this row, and the summaries are added up again by the worker's periodic job or by
    the next dashboard that reads them (rollups.refresh_stale). Rows are never updated, so a
    writer never waits for a refresh; several rows for one day are one refresh."""

    day = models.DateField()

    def __str__(self) -> str:
        return f"stale {self.day}"
