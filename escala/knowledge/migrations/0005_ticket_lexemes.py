"""Every word of the ticket search index, for prefix searches (PostgreSQL only).

The last word of a search is a prefix (the one being typed). A GIN index answers a prefix by
gathering every posting list under it into a bitmap before it can combine it with the other
words or the user's scope: a search ending in "bloqueada" gathered the sixty thousand tickets
under 'bloqu' to keep the few thousand a customer manager could see, most of the 150 ms budget
at a million tickets. knowledge_ticket_lexeme lists the words the index holds; the search
expands a prefix into the words it stands for (a handful, usually) and looks those up like any
whole word, which the index intersects with the rest without reading each list in full.

The list is complete because the one function that writes index documents adds their words
(sorted, so two writers adding the same new words take their locks in the same order); it
never shrinks: a word no ticket holds any longer only makes an expansion one word longer.
"""

from importlib import import_module

from django.db import migrations

_0004 = import_module("escala.knowledge.migrations.0004_ticket_search_scope_keys")

REFRESH_WITH_LEXEMES = """
    CREATE OR REPLACE FUNCTION knowledge_refresh_tickets(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
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
      INSERT INTO knowledge_ticket_lexeme (word)
      SELECT DISTINCT w.word
        FROM knowledge_ticket_search s,
             unnest(tsvector_to_array(s.public_doc || s.note_doc)) AS w(word)
       WHERE s.ticket_id = ANY(ids)
         AND NOT EXISTS (SELECT 1 FROM knowledge_ticket_lexeme l WHERE l.word = w.word)
       ORDER BY w.word
      ON CONFLICT (word) DO NOTHING;
    $$
"""

PG_FORWARD = [
    # "C" ordering: the words under a prefix are one range of the primary key.
    'CREATE TABLE knowledge_ticket_lexeme (word text COLLATE "C" PRIMARY KEY)',
    """
    INSERT INTO knowledge_ticket_lexeme (word)
    SELECT DISTINCT w.word
      FROM knowledge_ticket_search s,
           unnest(tsvector_to_array(s.public_doc || s.note_doc)) AS w(word)
    """,
    REFRESH_WITH_LEXEMES,
    "ANALYZE knowledge_ticket_lexeme",
]

PG_BACKWARD = [_0004.REFRESH_WITH_KEYS, "DROP TABLE knowledge_ticket_lexeme"]


def _run(statements):
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_ticket_search_scope_keys")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
