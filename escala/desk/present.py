"""What a queue row shows, computed in Python once per row: the template then only prints.

Each `{{ ticket.tier.name }}` in a template is a chain of lookups, a localized name and an escape;
a queue page made thousands of them. Here each row's texts come from the ticket's own columns
and desk.labels (the few-row tables' names, kept in memory), with the dates formatted once.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from escala.tickets.choices import Status
from escala.tickets.models import Ticket, format_reference
from escala.tiers.choices import Priority

from .labels import Labels

_PLACEHOLDER = 987654321987
_PLACEHOLDER_TEXT = str(_PLACEHOLDER)


@dataclass(frozen=True, slots=True)
class QueueRow:
    pk: int
    reference: str
    url: str
    subject: str
    category: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    tier_short: str
    tier_name: str
    team: str
    requester: str
    organization: str
    assignee: str
    created_iso: str
    created: str
    select_label: str


def queue_rows(tickets: list[Ticket], labels: Labels) -> list[QueueRow]:
    """The rows of a queue page. Tickets come with their requester; every other name is a
    label."""
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    short_datetime = get_format("SHORT_DATETIME_FORMAT")
    select = _("Select %(ref)s")
    # The ticket URL reversed once, with a placeholder for the id, instead of once per row.
    url = reverse("desk:ticket", args=[_PLACEHOLDER])
    rows = []
    for t in tickets:
        tier = labels.tiers.get(t.tier_id)
        created = timezone.localtime(t.created_at)
        reference = format_reference(t.pk)
        rows.append(
            QueueRow(
                pk=t.pk,
                reference=reference,
                url=url.replace(_PLACEHOLDER_TEXT, str(t.pk)),
                subject=t.subject,
                category=labels.categories.get(t.category_id, ""),
                status=t.status,
                status_label=statuses.get(t.status, t.status),
                priority=t.priority,
                priority_label=priorities.get(t.priority, t.priority),
                tier_short=tier.short if tier else "",
                tier_name=tier.name if tier else "",
                team=labels.teams.get(t.team_id, ""),
                requester=t.requester.name,
                organization=labels.organizations.get(t.organization_id, ""),
                assignee=labels.agents.get(t.assignee_id, ""),
                created_iso=created.isoformat(),
                created=dateformat.format(created, short_datetime),
                select_label=select % {"ref": reference},
            )
        )
    return rows
