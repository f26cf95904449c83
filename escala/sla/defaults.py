"""A sensible starting configuration: a Madrid 8×5 calendar, four policies, tier targets."""

from datetime import time, timedelta

from django.db import transaction

from escala.tiers.choices import Priority
from escala.tiers.models import SupportTier

from .models import BusinessCalendar, SlaPolicy, TierTarget, WorkingHours

H = timedelta(hours=1)

# priority: (first response, next response, resolution), in business hours.
POLICIES = {
    Priority.CRITICAL: (0.5 * H, 1 * H, 4 * H),
    Priority.HIGH: (1 * H, 2 * H, 8 * H),
    Priority.MEDIUM: (4 * H, 8 * H, 24 * H),
    Priority.LOW: (8 * H, 16 * H, 40 * H),
}
# Level 1 resolves or hands on within 4 business hours; Level 2 within 2 days; Level 3 within 5.
TIER_TARGETS = {1: (4 * H, True), 2: (16 * H, False), 3: (40 * H, False)}


@transaction.atomic
def install_defaults() -> bool:
    """Create the defaults unless some SLA configuration exists. True when it created them."""
    if BusinessCalendar.objects.exists() or SlaPolicy.objects.exists():
        return False
    cal = BusinessCalendar.objects.create(
        name="Madrid 8×5",
        time_zone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        is_default=True,
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=cal, weekday=d, start=start, end=end)
        for d in range(5)
        for start, end in ((time(9), time(14)), (time(15), time(18)))
    )
    for order, (priority, (first, nxt, resolution)) in enumerate(POLICIES.items(), start=1):
        SlaPolicy.objects.create(
            name=f"{Priority(priority).label}",
            order=order * 10,
            priority=priority,
            first_response_target=first,
            next_response_target=nxt,
            resolution_target=resolution,
        )
    for level, (target, escalate) in TIER_TARGETS.items():
        tier = SupportTier.objects.filter(level=level).first()
        if tier is not None:
            TierTarget.objects.get_or_create(
                tier=tier, defaults={"target": target, "escalate_on_breach": escalate}
            )
    return True
