"""The one policy for what a requester may set on a ticket (beside `permissions`, which says what
they may see and do).

A requester describes their request: subject, description, category, attachments. How the desk
weighs and handles it is the desk's to decide: impact, urgency, priority, the channel it came by,
the tier, team and assignee, time spent, internal notes and other internal fields. The portal,
the API and mail all ask this module:

- `refuse_staff_fields(user, given)` raises a `ValidationFailed` naming every refused field
  (the portal shows them at the form, the API answers 422 with `fields`);
- `staff_fields_ignored(given, trusted=...)` drops them (mail, which has nobody to answer: the
  control headers of a mail count only from a mailbox the admin marked trusted).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from escala.core.errors import ValidationFailed
from escala.people.queries import agent_of, is_admin

# Input names, as the API, the console's forms and the mail headers spell them.
STAFF_ONLY_FIELDS = frozenset(
    {
        "impact",
        "urgency",
        "priority",
        "channel",
        "tier",
        "to_tier",
        "tier_id",
        "team",
        "team_id",
        "to_team_id",
        "assignee",
        "assignee_id",
        "time_spent",
        "time_spent_minutes",
        "internal",
        "kind",
        "status",
        "vendor",
        "vendor_id",
        "sla_policy",
        "tags",
    }
)


def is_staff(user: Any) -> bool:
    return bool(user is not None and (is_admin(user) or agent_of(user) is not None))


def _is_set(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != ()


def refused_fields(user: Any, given: Mapping[str, Any]) -> dict[str, list[str]]:
    """The fields in `given` (set to something) that `user` may not set, each with why."""
    if is_staff(user):
        return {}
    message = _("Only the help desk sets this field.")
    return {
        name: [message]
        for name in sorted(given)
        if name in STAFF_ONLY_FIELDS and _is_set(given[name])
    }


def refuse_staff_fields(user: Any, given: Mapping[str, Any]) -> None:
    """Raise, naming each field, when a requester (anyone but an agent or admin) sets one of
    the desk's fields; nothing is changed."""
    refused = refused_fields(user, given)
    if refused:
        raise ValidationFailed(
            _("Requesters cannot set: %(fields)s.") % {"fields": ", ".join(refused)},
            fields=refused,
        )


def staff_fields_ignored(given: Mapping[str, Any], *, trusted: bool) -> dict[str, Any]:
    """What is left of `given` when its sender is a requester (not `trusted`)."""
    if trusted:
        return dict(given)
    return {name: value for name, value in given.items() if name not in STAFF_ONLY_FIELDS}
