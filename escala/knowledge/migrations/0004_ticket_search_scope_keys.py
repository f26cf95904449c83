"""The ticket search index keeps the columns visibility and the filters read (PostgreSQL only).

A Level 1 agent searching for a word that fifty thousand Level 2 tickets contain made every one
of those matches be joined to its ticket to learn it was out of scope: most of a second at a
million tickets. Each index row now carries `keys`, its ticket's tier, team, assignee,
organization, requester, category, status and participating agents as text ('tier:3',
'status:open', 'part:7', ...), and each document's GIN index is on (keys, document): "in these
tiers or teams, assigned to me or pulled in" is one overlap (&&) condition the index answers
together with the words, so rows out of scope are never read. Triggers keep `keys` current when
a ticket moves tier or team, is reassigned, changes status, is merged or gains a participant. SQLite keeps filtering FTS5 rows by the ticket subquery.
"""

from django.db import migrations

KEYS_FUNCTION = """
    CREATE OR REPLACE FUNCTION knowledge_ticket_keys(
        tier bigint, team bigint, assignee bigint, org bigint, req bigint, cat bigint,
        status text, ticket bigint
    ) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT array_remove(ARRAY['tier:' || tier, 'team:' || team, 'assignee:' || assignee,
                                'org:' || org, 'req:' || req, 'cat:' || cat,
                                'status:' || status], NULL)
          || ARRAY(SELECT 'part:' || p.agent_id FROM tickets_ticketparticipant p
                    WHERE p.ticket_id = ticket AND p.agent_id IS NOT NULL
                    ORDER BY p.agent_id)
    $$
"""

# The keys of these tickets, from their rows and participants (documents untouched).
REFRESH_KEYS = """
    CREATE OR REPLACE FUNCTION knowledge_refresh_keys(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
      UPDATE knowledge_ticket_search s
         SET keys = k.keys
        FROM (SELECT t.id,
                     knowledge_ticket_keys(t.tier_id, t.team_id, t.assignee_id,
                                           t.organization_id, t.requester_id, t.category_id,
                                           t.status, t.id) AS keys
                FROM tickets_ticket t
               WHERE t.id = ANY(ids)) k
       WHERE s.ticket_id = k.id AND s.keys IS DISTINCT FROM k.keys;
    $$
"""

# An agent pulled into a ticket sees it: the ticket's keys gain 'part:<agent>'. Row level:
# participants are added one at a time.
PARTICIPANT_TRIGGER = [
    """
    CREATE OR REPLACE FUNCTION knowledge_participant_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM knowledge_refresh_keys(ARRAY[NEW.ticket_id]);
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM knowledge_refresh_keys(ARRAY[OLD.ticket_id]);
      ELSE
        PERFORM knowledge_refresh_keys(ARRAY[NEW.ticket_id, OLD.ticket_id]);
      END IF;
      RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER knowledge_participant_aiud
         AFTER INSERT OR UPDATE OR DELETE ON tickets_ticketparticipant
         FOR EACH ROW EXECUTE FUNCTION knowledge_participant_changed()""",
]

REFRESH_WITH_KEYS = """
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
    $$
"""

UPDATED_WITH_KEYS = """
    CREATE OR REPLACE FUNCTION knowledge_ticket_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.subject IS DISTINCT FROM o.subject));
      -- Only the keys: the documents are not rewritten when a ticket moves or changes status.
      PERFORM knowledge_refresh_keys(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.tier_id, n.team_id, n.assignee_id, n.organization_id, n.requester_id,
                n.category_id, n.status)
               IS DISTINCT FROM
               (o.tier_id, o.team_id, o.assignee_id, o.organization_id, o.requester_id,
                o.category_id, o.status)));
      RETURN NULL;
    END $$
"""

PG_FORWARD = [
    # Building the new GIN indexes of a million rows wants more than the default 64 MB.
    "SET LOCAL maintenance_work_mem = '256MB'",
    KEYS_FUNCTION,
    # A new table rather than an UPDATE of every row: no million dead rows left behind, and the
    # GIN indexes are built once, sorted, instead of row by row.
    """
    CREATE TABLE knowledge_ticket_search_next AS
    SELECT s.ticket_id, s.public_doc, s.note_doc,
           knowledge_ticket_keys(t.tier_id, t.team_id, t.assignee_id, t.organization_id,
                                 t.requester_id, t.category_id, t.status, t.id) AS keys,
           t.created_at
      FROM knowledge_ticket_search s
      JOIN tickets_ticket t ON t.id = s.ticket_id
    """,
    "DROP TABLE knowledge_ticket_search",
    "ALTER TABLE knowledge_ticket_search_next RENAME TO knowledge_ticket_search",
    """ALTER TABLE knowledge_ticket_search
         ALTER COLUMN ticket_id SET NOT NULL,
         ALTER COLUMN public_doc SET NOT NULL,
         ALTER COLUMN note_doc SET NOT NULL,
         ALTER COLUMN keys SET NOT NULL,
         ADD PRIMARY KEY (ticket_id)""",
    """CREATE INDEX knowledge_ticket_search_public ON knowledge_ticket_search
         USING gin (keys, public_doc) WITH (fastupdate = off)""",
    """CREATE INDEX knowledge_ticket_search_note ON knowledge_ticket_search
         USING gin (keys, note_doc) WITH (fastupdate = off)""",
    REFRESH_KEYS,
    REFRESH_WITH_KEYS,
    UPDATED_WITH_KEYS,
    *PARTICIPANT_TRIGGER,
    "ANALYZE knowledge_ticket_search",
]

# Back to migration 0002's table, functions and indexes (with 0003's fastupdate = off).
PG_BACKWARD = [
    "DROP TRIGGER knowledge_participant_aiud ON tickets_ticketparticipant",
    "DROP FUNCTION knowledge_participant_changed()",
    """
    CREATE OR REPLACE FUNCTION knowledge_ticket_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.subject IS DISTINCT FROM o.subject));
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION knowledge_refresh_tickets(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
      DELETE FROM knowledge_ticket_search s
       WHERE s.ticket_id = ANY(ids)
         AND NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = s.ticket_id);
      INSERT INTO knowledge_ticket_search (ticket_id, public_doc, note_doc)
      SELECT t.id,
             knowledge_bilingual(t.subject, 'A') || knowledge_bilingual(m.pub, 'B'),
             knowledge_bilingual(m.notes, 'C')
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
        SET public_doc = EXCLUDED.public_doc, note_doc = EXCLUDED.note_doc;
    $$
    """,
    "DROP INDEX knowledge_ticket_search_public",
    "DROP INDEX knowledge_ticket_search_note",
    "ALTER TABLE knowledge_ticket_search DROP COLUMN keys, DROP COLUMN created_at",
    """CREATE INDEX knowledge_ticket_search_public ON knowledge_ticket_search
         USING gin (public_doc) WITH (fastupdate = off)""",
    """CREATE INDEX knowledge_ticket_search_note ON knowledge_ticket_search
         USING gin (note_doc) WITH (fastupdate = off)""",
    "DROP FUNCTION knowledge_refresh_keys(bigint[])",
    "DROP FUNCTION knowledge_ticket_keys(bigint, bigint, bigint, bigint, bigint, bigint, text, bigint)",
]


def _run(statements):
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_gin_without_pending_list")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
