"""Indexing a ticket keeps its plans and never reads the whole word list (PostgreSQL only).

`knowledge_refresh_tickets` indexes every new ticket in its own transaction (decision 0004): a
portal POST, an API create, a mail. As a LANGUAGE sql function its three statements were parsed
and planned at every call, and once the word list (migration 0005) had statistics, the planner
answered "which of this ticket's sixteen words are new?" with a hash anti join that read every
word of the list: with the 4,600 words of the 100,000-ticket demo, 0.6 ms of a portal POST's
2.5 ms in the database, growing with the list. Now the function is PL/pgSQL (its plans are kept
for the session) and the word list is written with ON CONFLICT DO NOTHING alone, whose check is
one index probe per word: the same rows, in the same sorted order, whatever the statistics say.
"""

from importlib import import_module

from django.db import migrations

_0005 = import_module("escala.knowledge.migrations.0005_ticket_lexemes")
_run = _0005._run  # PostgreSQL only

REFRESH = """
    CREATE OR REPLACE FUNCTION knowledge_refresh_tickets(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM knowledge_ticket_search s
       WHERE s.ticket_id = ANY(ids)
         AND NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = s.ticket_id);
      INSERT INTO knowledge_ticket_search (ticket_id, public_doc, note_doc, keys, created_at)
      SELECT t.id,
             knowledge_bilingual(t.subject, 'A') || knowledge_bilingual(m.pub, 'B'),
             knowledge_bilingual(m.notes, 'C'),
             knowledge_ticket_keys(t.tier_id, t.team_id, t.assignee_id, t.organization_id,
                                   t.requester_id, t.category_id, t.status, t.id),
             t.created_at
        FROM tickets_ticket t
        LEFT JOIN (
          SELECT ticket_id,
                 string_agg(body, E'\\n' ORDER BY id) FILTER (WHERE kind = 'reply') AS pub,
                 string_agg(body, E'\\n' ORDER BY id) FILTER (WHERE kind <> 'reply') AS notes
            FROM tickets_message
           WHERE ticket_id = ANY(ids)
           GROUP BY ticket_id
        ) m ON m.ticket_id = t.id
       WHERE t.id = ANY(ids)
      ON CONFLICT (ticket_id) DO UPDATE
        SET public_doc = EXCLUDED.public_doc, note_doc = EXCLUDED.note_doc,
            keys = EXCLUDED.keys, created_at = EXCLUDED.created_at;
      -- Sorted: two writers adding the same new words take their locks in the same order.
      INSERT INTO knowledge_ticket_lexeme (word)
      SELECT DISTINCT w.word
        FROM knowledge_ticket_search s,
             unnest(tsvector_to_array(s.public_doc || s.note_doc)) AS w(word)
       WHERE s.ticket_id = ANY(ids)
       ORDER BY w.word
      ON CONFLICT (word) DO NOTHING;
    END $$
"""

PG_FORWARD = [REFRESH]
PG_BACKWARD = [_0005.REFRESH_WITH_LEXEMES]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0009_use_kind_sent")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
