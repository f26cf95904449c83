"""A ticket update costs its trigger only what changed (PostgreSQL only).

The statement trigger on ticket updates called both refresh functions every time, with empty
arrays most of the time (a touch, a new `updated_at`): SQL functions are planned at each call,
so every UPDATE of a ticket paid ~0.5 ms for nothing. Now each is called only for the tickets
whose subject or scope keys changed, the keys refresh is PL/pgSQL (its plan is kept for the
session), and a transaction that indexes at its commit (migration 0007) marks the changed
tickets instead: the commit rebuilds their rows once, keys included.
"""

from importlib import import_module

from django.db import migrations

_run = import_module("escala.knowledge.migrations.0005_ticket_lexemes")._run  # PostgreSQL only

KEYS_CHANGED = """
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE (n.tier_id, n.team_id, n.assignee_id, n.organization_id, n.requester_id,
            n.category_id, n.status)
           IS DISTINCT FROM
           (o.tier_id, o.team_id, o.assignee_id, o.organization_id, o.requester_id,
            o.category_id, o.status)
"""
SUBJECT_CHANGED = """
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.subject IS DISTINCT FROM o.subject
"""

# 0004's keys refresh, its one statement now in PL/pgSQL.
_0004 = import_module("escala.knowledge.migrations.0004_ticket_search_scope_keys")
_KEYS_UPDATE = _0004.REFRESH_KEYS.split("LANGUAGE sql AS $$", 1)[1].rsplit("$$", 1)[0]

PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION knowledge_refresh_keys(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      {_KEYS_UPDATE.strip()}
    END $$""",
    f"""CREATE OR REPLACE FUNCTION knowledge_ticket_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      subject_ids bigint[] := ARRAY({SUBJECT_CHANGED});
      key_ids bigint[] := ARRAY({KEYS_CHANGED});
    BEGIN
      IF current_setting('escala.search_at_commit', true) = 'on' THEN
        INSERT INTO knowledge_ticket_dirty (ticket_id)
        SELECT DISTINCT unnest(subject_ids || key_ids);
        RETURN NULL;
      END IF;
      IF cardinality(subject_ids) > 0 THEN
        PERFORM knowledge_refresh_tickets(subject_ids);
      END IF;
      -- Only the keys: the documents are not rewritten when a ticket moves or changes status.
      IF cardinality(key_ids) > 0 THEN
        PERFORM knowledge_refresh_keys(key_ids);
      END IF;
      RETURN NULL;
    END $$""",
]

PG_BACKWARD = [
    _0004.REFRESH_KEYS,
    f"""CREATE OR REPLACE FUNCTION knowledge_ticket_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY({SUBJECT_CHANGED}));
      PERFORM knowledge_refresh_keys(ARRAY({KEYS_CHANGED}));
      RETURN NULL;
    END $$""",
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0007_index_batch_at_commit")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
