from datetime import time, timedelta

import pytest

from escala.sla.models import BusinessCalendar, SlaPolicy, TierTarget, WorkingHours


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test land in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Tests read English text; the Spanish pages have their own tests."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def sla(db, tiers):
    """09:00-17:00 Monday to Friday in Madrid with its holidays; 2 h first response, 16 h
    resolution, Level 1 must hand on within 4 h; pending vendor pauses the customer clock."""
    cal = BusinessCalendar.objects.create(
        name="Madrid", time_zone="Europe/Madrid", country="ES", subdivision="MD", is_default=True
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=cal, weekday=d, start=time(9), end=time(17)) for d in range(5)
    )
    TierTarget.objects.create(tier=tiers[1], target=timedelta(hours=4))
    return SlaPolicy.objects.create(
        name="Standard",
        first_response_target=timedelta(hours=2),
        next_response_target=timedelta(hours=4),
        resolution_target=timedelta(hours=16),
        pause_on_pending_customer=True,
        pause_on_pending_vendor=True,
    )
