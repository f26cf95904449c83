"""Indexing one new ticket plans nothing (PostgreSQL only).

`knowledge_refresh_tickets` (migration 0010) is PL/pgSQL so that its statements' plans are kept,
but each statement takes the ids as an array parameter, and the planner judged its generic plan
(`= ANY($1)` of unknown length) dearer than the custom ones: it planned the three statements
again at every call, about 0.3 ms of the 0.95 ms of PostgreSQL CPU that indexing a ticket cost
(an API create, a portal POST, a mail). Now a call for a few tickets (at most 16: a request's,
a mail's) runs them with `plan_cache_mode = force_generic_plan`: index probes whatever the ids,
planned once per session. A bigger set (a mail batch, the demo's COPY loader, a merge) keeps
the planner's choice, so a set-wise plan can still win there.

`knowledge_ticket_keys` was LANGUAGE sql with a subquery, which is never inlined: its statement
was parsed and planned at every call (0.075 ms). As PL/pgSQL its plan is kept (0.01 ms). Same
keys, in the same order.
"""

from importlib import import_module

from django.db import migrations

_0004 = import_module("escala.knowledge.migrations.0004_ticket_search_scope_keys")
_0005 = import_module("escala.knowledge.migrations.0005_ticket_lexemes")
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

FEW = """
    CREATE OR REPLACE FUNCTION knowledge_refresh_few_tickets(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
    BEGIN
      PERFORM knowledge_refresh_ticket_rows(ids);
    END $$
"""

REFRESH = """
    CREATE OR REPLACE FUNCTION knowledge_refresh_tickets(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      IF coalesce(cardinality(ids), 0) <= 16 THEN
        PERFORM knowledge_refresh_few_tickets(ids);
      ELSE
        PERFORM knowledge_refresh_ticket_rows(ids);
      END IF;
    END $$
"""

PG_FORWARD = [KEYS_FUNCTION, ROWS, FEW, REFRESH]
PG_BACKWARD = [
    _0010.REFRESH,
    "DROP FUNCTION knowledge_refresh_few_tickets(bigint[])",
    "DROP FUNCTION knowledge_refresh_ticket_rows(bigint[])",
    _0004.KEYS_FUNCTION,
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0010_ticket_refresh_plans_kept")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
