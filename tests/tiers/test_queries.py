"""The tier look-ups every new ticket makes are remembered per process, and forgotten as soon as
the configuration changes in this process."""

from escala.tiers.models import Category, PriorityRule, Specialty
from escala.tiers.queries import priority_for, team_for


def test_a_team_found_by_specialty_changes_when_the_teams_specialties_change(tiers, teams):
    scanners = Specialty.objects.create(code="scanners", name_en="Scanners", name_es="Escáneres")
    category = Category.objects.create(
        code="scanner", name_en="Scanner", name_es="Escáner", tier=tiers[2], specialty=scanners
    )
    first = team_for(tier=tiers[2], category=category)  # no team has it: the tier's first
    assert first == teams["Databases"]
    teams["Networks"].specialties.add(scanners)  # an m2m change, no row saved
    assert team_for(tier=tiers[2], category=category) == teams["Networks"]


def test_a_priority_matrix_cell_changes_at_once(tiers):
    rule, _created = PriorityRule.objects.update_or_create(
        impact="low", urgency="low", defaults={"priority": "low"}
    )
    assert priority_for("low", "low") == "low"
    rule.priority = "high"
    rule.save()
    assert priority_for("low", "low") == "high"
