from escala.core import memo

from .choices import DEFAULT_PRIORITY_MATRIX, Priority
from .models import Category, PriorityRule, SupportTier, Team


@memo.config_cached
def priority_for(impact: str, urgency: str) -> str:
    """The configured matrix cell, falling back to the ITIL default if a cell was deleted."""
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).first()
    if rule is not None:
        return rule.priority
    return DEFAULT_PRIORITY_MATRIX.get((impact, urgency), Priority.MEDIUM)


@memo.config_cached
def first_tier() -> SupportTier:
    return SupportTier.objects.order_by("level").first()  # type: ignore[return-value]


def vendor_tier() -> SupportTier | None:
    return SupportTier.objects.filter(is_external=True).order_by("level").first()


@memo.config_cached
def team_for(*, tier: SupportTier, category: Category | None) -> Team | None:
    """The team a ticket of `category` lands in at `tier`: the category's own team when it sits
    at that tier, else a team of that tier with the category's specialty, else the tier's first."""
    teams = Team.objects.filter(tier=tier, is_active=True).order_by("name")
    if category is not None:
        if category.team_id and category.team.tier_id == tier.pk and category.team.is_active:
            return category.team
        if category.specialty_id:
            match = teams.filter(specialties=category.specialty_id).first()
            if match is not None:
                return match
    return teams.first()
