"""A new ticket is indexed once, at commit, not twice (PostgreSQL only).

Every ticket is created with its first message in the same transaction (create_ticket, the
demo's bulk loads). The statement trigger on the ticket insert built the ticket's index row
from its subject, and the one on the message insert rebuilt it a moment later with the body:
two writes of a row under three GIN indexes (fast update off), 2.4 ms of the database's ~3 ms
per ticket an integration creates through the API. The ticket insert now only marks a
deferred check: at commit, a ticket whose row the message trigger has not written (one created
without a message) is indexed then.
"""

from importlib import import_module

from django.db import migrations

_run = import_module("escala.knowledge.migrations.0005_ticket_lexemes")._run  # PostgreSQL only

PG_FORWARD = [
    "DROP TRIGGER IF EXISTS knowledge_ticket_ai ON tickets_ticket",
    """CREATE OR REPLACE FUNCTION knowledge_ticket_inserted_late() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM knowledge_ticket_search WHERE ticket_id = NEW.id) THEN
        PERFORM knowledge_refresh_tickets(ARRAY[NEW.id]);
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER knowledge_ticket_ai AFTER INSERT ON tickets_ticket
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
       EXECUTE FUNCTION knowledge_ticket_inserted_late()""",
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_ticket_ai ON tickets_ticket",
    "DROP FUNCTION IF EXISTS knowledge_ticket_inserted_late()",
    """CREATE TRIGGER knowledge_ticket_ai AFTER INSERT ON tickets_ticket
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_ticket_inserted()""",
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0005_ticket_lexemes")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
