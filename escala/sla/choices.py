from django.db import models
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    TIER = "tier", _("Tier target (OLA)")
    VENDOR_RESPONSE = "vendor_response", _("Vendor response")
    VENDOR_RESOLUTION = "vendor_resolution", _("Vendor resolution")


CUSTOMER_CLOCKS = frozenset(
    {ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE, ClockKind.RESOLUTION}
)
VENDOR_CLOCKS = frozenset({ClockKind.VENDOR_RESPONSE, ClockKind.VENDOR_RESOLUTION})
