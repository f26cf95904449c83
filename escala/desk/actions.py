"""The console's own small state: an agent's saved queue filters."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import Forbidden, NotFound, ValidationFailed
from escala.core.inputs import one_line
from escala.people.queries import agent_of

from .models import SavedFilter

# Only these parameters are kept: a saved filter is a view of a queue, not an arbitrary URL.
FILTER_KEYS = {
    "queue",
    "q",
    "status",
    "priority",
    "category",
    "tier",
    "team",
    "assignee",
    "organization",
    "channel",
    "sort",
    "size",
}


def save_filter(*, by: Any, name: str, query: str) -> SavedFilter:
    agent = agent_of(by)
    if agent is None:
        raise Forbidden(_("Only agents can save filters."))
    name = one_line(name)[:80]  # no control characters: PostgreSQL refuses NUL even in a lookup
    if not name:
        raise ValidationFailed(_("Give the filter a name."), field="name")
    kept = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k in FILTER_KEYS and v]
    saved, _created = SavedFilter.objects.update_or_create(
        agent=agent,
        name=name,
        defaults={"query": urlencode(kept)[:1000], "created_at": clock.now()},
    )
    return saved


def delete_filter(*, by: Any, filter_id: int) -> None:
    agent = agent_of(by)
    deleted, _rows = SavedFilter.objects.filter(pk=filter_id, agent=agent).delete()
    if not deleted:
        raise NotFound(_("There is no such saved filter."))
