from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from escala.sla.models import BusinessCalendar, SlaPolicy, TierTarget, WorkingHours

MADRID = ZoneInfo("Europe/Madrid")


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords need no strong hashing here; it made each test seconds slower."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def madrid_8x5(db) -> BusinessCalendar:
    """09:00-17:00 Monday to Friday, Madrid time, Spanish and Madrid public holidays."""
    cal = BusinessCalendar.objects.create(
        name="Madrid 8×5",
        time_zone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        is_default=True,
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=cal, weekday=d, start=time(9), end=time(17)) for d in range(5)
    )
    return cal


@pytest.fixture
def level1_target(tiers) -> TierTarget:
    """Level 1 must resolve or escalate within 4 business hours, or the ticket goes up."""
    return TierTarget.objects.create(
        tier=tiers[1], target=timedelta(hours=4), escalate_on_breach=True
    )


@pytest.fixture
def standard_policy(db) -> SlaPolicy:
    return SlaPolicy.objects.create(
        name="Standard",
        order=100,
        first_response_target=timedelta(hours=2),
        next_response_target=timedelta(hours=4),
        resolution_target=timedelta(hours=16),
        pause_on_pending_customer=True,
        pause_on_pending_vendor=False,
    )
