"""Indexing one new ticket plans nothing (PostgreSQL only).

`knowledge_refresh_tickets` (migration 0010) is PL/pgSQL so that its statements' plans are kept,
but each statement takes the ids as an array parameter, and the planner judged its generic plan
(`= ANY($1)` of unknown length) dearer than the custom ones: it planned the three statements
again at every call, about 0.3 ms of the 0.95 ms of PostgreSQL CPU that indexing a ticket cost
(an API create, a portal POST, a mail). Now a call for a few tickets (at most 16: a request's,
a mail's) runs them with `plan_cache_mode = force_generic_plan`: index probes whatever the ids,
planned once per session. A bigger set (a mail batch, the demo's COPY loader, a merge) keeps
the planner's choice, so a set-wise plan can still win there.

`knowledge_refresh_keys` (migration 0008: a ticket moved, was assigned, changed status, as the
relay's routing does to every new ticket) had the same trouble, 0.14 ms a call for its one
UPDATE, and gets the same split.

`knowledge_ticket_keys` was LANGUAGE sql with a subquery, which is never inlined: its statement
was parsed and planned at every call (0.075 ms). As PL/pgSQL its plan is kept (0.01 ms). Same
keys, in the same order.
"""

from importlib import import_module

from django.db import migrations

_0004 = import_module("escala.knowledge.migrations.0004_ticket_search_scope_keys")
_0005 = import_module("escala.knowledge.migrations.0005_ticket_lexemes")
_0008 = import_module("escala.knowledge.migrations.0008_cheaper_ticket_update_trigger")
_0010 = import_module("escala.knowledge.migrations.0010_ticket_refresh_plans_kept")
_run = _0005._run  # PostgreSQL only

KEYS_FUNCTION = """
    CREATE OR REPLACE FUNCTION knowledge_ticket_keys(
        tier bigint, team bigint, assignee bigint, org bigint, req bigint, cat bigint,
        status text, ticket bigint
    ) RETURNS text[] LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN array_remove(ARRAY['tier:' || tier, 'team:' || team, 'assignee:' || assignee,
                                'org:' || org, 'req:' || req, 'cat:' || cat,
                                'status:' || status], NULL)
          || ARRAY(SELECT 'part:' || p.agent_id FROM tickets_ticketparticipant p
                    WHERE p.ticket_id = ticket AND p.agent_id IS NOT NULL
                    ORDER BY p.agent_id);
    END $$
"""

# 0010's function under another name: the statements, planned as the caller's setting says.
ROWS = _0010.REFRESH.replace(
    "FUNCTION knowledge_refresh_tickets(", "FUNCTION knowledge_refresh_ticket_rows(", 1
)
assert "knowledge_refresh_ticket_rows(ids bigint[])" in ROWS  # noqa: S101  (a migration's check)


def _few_or_many(public: str, rows: str, few: str) -> list[str]:
    """`few` runs `rows` with generic plans; `public` sends a call for at most 16 ids there and
    a bigger one to `rows` with the planner's own choice."""
    return [
        f"""
    CREATE OR REPLACE FUNCTION {few}(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
    BEGIN
      PERFORM {rows}(ids);
    END $$
""",
        f"""
    CREATE OR REPLACE FUNCTION {public}(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      IF coalesce(cardinality(ids), 0) <= 16 THEN
        PERFORM {few}(ids);
      ELSE
        PERFORM {rows}(ids);
      END IF;
    END $$
""",
    ]


# The same for 0008's keys refresh (a ticket moved, assigned, its status changed: the relay's
# routing of every new ticket): 0.14 -> 0.015 ms a call.
KEY_ROWS = _0008.PG_FORWARD[0].replace(
    "FUNCTION knowledge_refresh_keys(", "FUNCTION knowledge_refresh_key_rows(", 1
)
assert "knowledge_refresh_key_rows(ids bigint[])" in KEY_ROWS  # noqa: S101

PG_FORWARD = [
    KEYS_FUNCTION,
    ROWS,
    *_few_or_many(
        "knowledge_refresh_tickets",
        "knowledge_refresh_ticket_rows",
        "knowledge_refresh_few_tickets",
    ),
    KEY_ROWS,
    *_few_or_many(
        "knowledge_refresh_keys", "knowledge_refresh_key_rows", "knowledge_refresh_few_keys"
    ),
]
PG_BACKWARD = [
    _0008.PG_FORWARD[0],
    "DROP FUNCTION knowledge_refresh_few_keys(bigint[])",
    "DROP FUNCTION knowledge_refresh_key_rows(bigint[])",
    _0010.REFRESH,
    "DROP FUNCTION knowledge_refresh_few_tickets(bigint[])",
    "DROP FUNCTION knowledge_refresh_ticket_rows(bigint[])",
    _0004.KEYS_FUNCTION,
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0010_ticket_refresh_plans_kept")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
