"""The one clock. Tests replace it (see tests/conftest.py `frozen_clock`); code never calls
django.utils.timezone.now() directly for business decisions."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

_now: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _now()


def set_clock(fn: Callable[[], datetime]) -> None:
    global _now
    _now = fn


def reset_clock() -> None:
    global _now
    _now = timezone.now
