import pytest
from django.utils import translation

from escala.tiers.models import PriorityRule, SupportTier

pytestmark = pytest.mark.django_db


def test_migrate_seeds_the_four_levels_of_the_article_in_both_languages():
    tiers = list(SupportTier.objects.order_by("level"))
    assert [t.level for t in tiers] == [1, 2, 3, 4]
    assert [t.is_external for t in tiers] == [False, False, False, True]
    for tier in tiers:
        for field in ("name", "description", "examples", "portal_label"):
            assert getattr(tier, f"{field}_en").strip()
            assert getattr(tier, f"{field}_es").strip()
    assert "contraseña" in tiers[0].examples_es
    assert "password" in tiers[0].examples_en
    assert "bases de datos" in tiers[1].description_es
    assert "vendor" in tiers[3].description_en


def test_tier_names_follow_the_active_language():
    level_two = SupportTier.objects.get(level=2)
    with translation.override("es"):
        assert str(level_two) == "Nivel 2 · Especialistas"
    with translation.override("en"):
        assert str(level_two) == "Level 2 · Specialists"


def test_the_priority_matrix_is_complete():
    assert PriorityRule.objects.count() == 9
    assert PriorityRule.objects.get(impact="high", urgency="high").priority == "critical"
