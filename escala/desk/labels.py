"""The names of the few-row tables the console shows on every queue row and offers in every
filter and action form: tiers, teams, categories, vendors, organizations and agents; and the
configuration the ticket page reads on every request: the SLA context (calendars, policies, tier
targets), whether any macro is active, and each agent's teams.

Reading them per request cost six queries and a few hundred model instances on each queue page,
more than the tickets themselves. They are read once per process, per language and per labels
stamp instead (desk.models.LabelsStamp, changed by database triggers in the same transaction as
any change to those tables), so one tiny query tells whether the copy in memory still holds.
"""

import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import get_language

from escala.people.models import Agent, Organization
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .models import LabelsStamp


@dataclass(frozen=True)
class Tier:
    short: str  # "L2"
    name: str
    level: int
    is_external: bool


@dataclass(frozen=True)
class Holder:
    pk: int
    name: str
    is_supervisor: bool
    team_ids: frozenset[int]
    tier_ids: frozenset[int]


@dataclass(frozen=True)
class Labels:
    stamp: int | None  # None: not to be kept (a flushed table lost the stamp's row)
    tiers: dict[int, Tier]  # in level order, as the filter offers them
    teams: dict[int, str]  # in tier level, then name order
    categories: dict[int, str]  # in code order
    organizations: dict[int, str]  # in name order
    agents: dict[int, str]  # display names, by username
    agents_by_first_name: list[tuple[int, str]]
    # What the ticket page's forms offer: active rows only (and tiers that are not a vendor).
    active_teams: list[tuple[int, str]]
    active_categories: list[tuple[int, str]]
    active_vendors: list[tuple[int, str]]
    team_levels: dict[int, int] = field(default_factory=dict)  # team id -> its tier's level
    # The ticket page's configuration (desk.migrations.0007 puts those tables under the stamp).
    sla: Any = None  # escala.sla.clocks.Context
    active_macros: list[tuple[int, str]] = field(default_factory=list)
    # agent id -> (team ids, sorted tier ids of those teams): people.queries.team_and_tier_ids
    agent_teams: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)
    # Who may hold a ticket (desk.queries.agents_for), in first-name order.
    holders: list["Holder"] = field(default_factory=list)
    # The rows of the tables whose every column the stamp watches, by the name of the ticket's
    # field that points at them (tier, team, category, vendor, organization) and id: the ticket
    # page attaches them to its ticket as select_related would (desk.queries.ticket_for_page).
    # Shared by the requests of this process: read, never changed.
    rows: dict[str, dict[int, Any]] = field(default_factory=dict)

    @property
    def has_macros(self) -> bool:
        return bool(self.active_macros)

    def internal_tiers(self) -> list[tuple[int, str]]:
        return [(pk, t.name) for pk, t in self.tiers.items() if not t.is_external]

    def has(self, *, tier: int | None, team: int | None, category: int | None,
            organization: int | None, agent: int | None) -> bool:  # fmt: skip
        """Whether every id a row refers to is known (a row read after the labels may name a
        team created meanwhile)."""
        return (
            (tier is None or tier in self.tiers)
            and (team is None or team in self.teams)
            and (category is None or category in self.categories)
            and (organization is None or organization in self.organizations)
            and (agent is None or agent in self.agents)
        )


_lock = threading.Lock()
_cache: dict[tuple[int, str], Labels] = {}


def _read_stamp() -> int | None:
    # A plain cursor: the ORM's compiler would cost more than the query.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {LabelsStamp._meta.db_table} WHERE id = 1")  # noqa: S608 - a table name, no input
        row = cursor.fetchone()
    return row[0] if row else None


def _load(stamp: int | None) -> Labels:
    # Whole rows (a few dozen): the ticket page shows them from here (Labels.rows).
    tier_rows = list(SupportTier.objects.all())
    team_rows = list(Team.objects.order_by("tier__level", "name").select_related("tier"))
    teams = [(t.pk, t.label, t.is_active) for t in team_rows]
    category_rows = list(Category.objects.all())
    categories = [(c.pk, c.name, c.is_active) for c in category_rows]
    vendor_rows = list(Vendor.objects.all())
    organization_rows = list(Organization.objects.all())
    from escala.automation.models import Macro  # the desk reads them; they import the desk
    from escala.sla.clocks import Context

    agents = list(Agent.objects.select_related("user").order_by("user__username"))
    by_first_name = list(
        Agent.objects.select_related("user").order_by("user__first_name", "user__username")
    )
    memberships: dict[int, list[tuple[int, int]]] = {}
    for agent_id, team_id, tier_id in Agent.teams.through.objects.values_list(
        "agent_id", "team_id", "team__tier_id"
    ):
        memberships.setdefault(agent_id, []).append((team_id, tier_id))
    return Labels(
        stamp=stamp,
        tiers={
            t.pk: Tier(short=t.short, name=t.name, level=t.level, is_external=t.is_external)
            for t in tier_rows
        },
        teams={pk: name for pk, name, _active in teams},
        categories={pk: name for pk, name, _active in categories},
        organizations={o.pk: o.name for o in organization_rows},
        agents={a.pk: a.display_name for a in agents},
        agents_by_first_name=[(a.pk, a.display_name) for a in by_first_name],
        active_teams=[(pk, name) for pk, name, active in teams if active],
        active_categories=[(pk, name) for pk, name, active in categories if active],
        active_vendors=[(v.pk, v.name) for v in vendor_rows if v.is_active],
        team_levels={t.pk: t.tier.level for t in team_rows},
        sla=Context.load(),
        active_macros=[(m.pk, str(m)) for m in Macro.objects.filter(is_active=True)],
        agent_teams={
            pk: ([team for team, _tier in pairs], sorted({tier for _team, tier in pairs}))
            for pk, pairs in memberships.items()
        },
        holders=[
            Holder(
                pk=a.pk,
                name=a.display_name,
                is_supervisor=a.is_supervisor,
                team_ids=frozenset(team for team, _tier in memberships.get(a.pk, [])),
                tier_ids=frozenset(tier for _team, tier in memberships.get(a.pk, [])),
            )
            for a in by_first_name
        ],
        rows={
            name: {row.pk: row for row in found}
            for name, found in (
                ("tier", tier_rows),
                ("team", team_rows),
                ("category", category_rows),
                ("vendor", vendor_rows),
                ("organization", organization_rows),
            )
        },
    )


def labels(*, fresh: bool = False) -> Labels:
    """The labels in the active language, from memory while the stamp has not changed."""
    stamp = _read_stamp()
    key = (stamp, get_language() or "")
    if stamp is not None and not fresh and (found := _cache.get(key)) is not None:
        return found
    loaded = _load(stamp)
    if stamp is not None:
        with _lock:
            if any(cached_stamp != stamp for cached_stamp, _lang in _cache):
                _cache.clear()  # keep the current stamp's copies only
            _cache[key] = loaded
    return loaded
