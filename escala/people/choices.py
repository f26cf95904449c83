from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer company")
    DEPARTMENT = "department", _("Internal department")


class RequesterKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    CUSTOMER = "customer", _("External customer")
