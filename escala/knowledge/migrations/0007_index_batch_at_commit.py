"""A batch's tickets are indexed together, at its commit (PostgreSQL only).

The message insert's statement trigger indexes the tickets of its rows at once. A mail batch
files a hundred tickets with a hundred one-row statements, so it indexed them one by one: 0.9 ms
of the database's 2.7 ms per mail, where one call for the hundred costs 0.3 ms a ticket.

A transaction that sets `escala.search_at_commit` (`knowledge.search.index_at_commit()`) only
marks its tickets in knowledge_ticket_dirty. The first deferred check at its commit (a
dirty mark's or a new ticket's) indexes every marked ticket in one call and deletes the marks;
the later checks find none. Marks are never left behind by a committed transaction, so the
table is unlogged (a crash empties it, and rolls back what wrote the marks).
"""

from importlib import import_module

from django.db import migrations

_run = import_module("escala.knowledge.migrations.0005_ticket_lexemes")._run  # PostgreSQL only
_0006 = import_module("escala.knowledge.migrations.0006_ticket_indexed_at_commit")

FLUSH = """
    CREATE OR REPLACE FUNCTION knowledge_flush_dirty() RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      ids bigint[];
    BEGIN
      -- Other transactions' marks are not visible: each flushes only its own.
      WITH gone AS (DELETE FROM knowledge_ticket_dirty RETURNING ticket_id)
      SELECT array_agg(DISTINCT ticket_id ORDER BY ticket_id) INTO ids FROM gone;
      IF ids IS NOT NULL THEN
        PERFORM knowledge_refresh_tickets(ids);
      END IF;
    END $$
"""

PG_FORWARD = [
    "CREATE UNLOGGED TABLE knowledge_ticket_dirty (ticket_id bigint NOT NULL)",
    FLUSH,
    """CREATE OR REPLACE FUNCTION knowledge_dirty_marked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_flush_dirty();
      RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER knowledge_dirty_ai AFTER INSERT ON knowledge_ticket_dirty
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
       EXECUTE FUNCTION knowledge_dirty_marked()""",
    """CREATE OR REPLACE FUNCTION knowledge_message_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('escala.search_at_commit', true) = 'on' THEN
        INSERT INTO knowledge_ticket_dirty (ticket_id) SELECT DISTINCT ticket_id FROM new_rows;
      ELSE
        PERFORM knowledge_refresh_tickets(ARRAY(SELECT DISTINCT ticket_id FROM new_rows));
      END IF;
      RETURN NULL;
    END $$""",
    # A new ticket's own check comes before its message's mark: it flushes the batch first.
    """CREATE OR REPLACE FUNCTION knowledge_ticket_inserted_late() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_flush_dirty();
      IF NOT EXISTS (SELECT 1 FROM knowledge_ticket_search WHERE ticket_id = NEW.id) THEN
        PERFORM knowledge_refresh_tickets(ARRAY[NEW.id]);
      END IF;
      RETURN NULL;
    END $$""",
]

PG_BACKWARD = [
    _0006.PG_FORWARD[1],  # the new ticket's check as 0006 made it
    """CREATE OR REPLACE FUNCTION knowledge_message_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(SELECT DISTINCT ticket_id FROM new_rows));
      RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS knowledge_dirty_ai ON knowledge_ticket_dirty",
    "DROP FUNCTION IF EXISTS knowledge_dirty_marked()",
    "DROP FUNCTION IF EXISTS knowledge_flush_dirty()",
    "DROP TABLE IF EXISTS knowledge_ticket_dirty",
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0006_ticket_indexed_at_commit")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
