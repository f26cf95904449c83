"""Full-text search indexes, one implementation per database, kept current by triggers.

PostgreSQL: the unaccent extension, two text search configurations (escala_es, escala_en: the
Spanish and English stemmers after unaccent), and tables of tsvector documents with GIN indexes,
refreshed by statement-level triggers (so COPY and bulk inserts are indexed too).

SQLite: FTS5 virtual tables (unicode61 tokenizer, remove_diacritics 2), refreshed by row triggers.

A ticket's document holds its subject, its public messages and, apart, its internal notes, so a
requester's search never looks at notes.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'escala_es') THEN
        CREATE TEXT SEARCH CONFIGURATION escala_es (COPY = pg_catalog.spanish);
        ALTER TEXT SEARCH CONFIGURATION escala_es
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'escala_en') THEN
        CREATE TEXT SEARCH CONFIGURATION escala_en (COPY = pg_catalog.english);
        ALTER TEXT SEARCH CONFIGURATION escala_en
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
      END IF;
    END
    $$
    """,
    """
    CREATE TABLE knowledge_ticket_search (
        ticket_id bigint PRIMARY KEY,
        public_doc tsvector NOT NULL,
        note_doc tsvector NOT NULL
    )
    """,
    "CREATE INDEX knowledge_ticket_search_public ON knowledge_ticket_search USING gin (public_doc)",
    "CREATE INDEX knowledge_ticket_search_note ON knowledge_ticket_search USING gin (note_doc)",
    """
    CREATE FUNCTION knowledge_bilingual(body text, w "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT setweight(to_tsvector('escala_es'::regconfig, coalesce(body, '')), w)
          || setweight(to_tsvector('escala_en'::regconfig, coalesce(body, '')), w)
    $$
    """,
    """
    CREATE FUNCTION knowledge_refresh_tickets(ids bigint[]) RETURNS void
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
    """
    CREATE FUNCTION knowledge_ticket_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(SELECT id FROM new_rows));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION knowledge_ticket_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.subject IS DISTINCT FROM o.subject));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION knowledge_ticket_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM knowledge_ticket_search WHERE ticket_id IN (SELECT id FROM old_rows);
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION knowledge_message_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(SELECT DISTINCT ticket_id FROM new_rows));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION knowledge_message_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(
        SELECT n.ticket_id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.body IS DISTINCT FROM o.body OR n.kind IS DISTINCT FROM o.kind
            OR n.ticket_id IS DISTINCT FROM o.ticket_id
        UNION
        SELECT o.ticket_id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.ticket_id IS DISTINCT FROM o.ticket_id));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION knowledge_message_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM knowledge_refresh_tickets(ARRAY(SELECT DISTINCT ticket_id FROM old_rows));
      RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER knowledge_ticket_ai AFTER INSERT ON tickets_ticket
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_ticket_inserted()""",
    """CREATE TRIGGER knowledge_ticket_au AFTER UPDATE ON tickets_ticket
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_ticket_updated()""",
    """CREATE TRIGGER knowledge_ticket_ad AFTER DELETE ON tickets_ticket
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_ticket_deleted()""",
    """
    CREATE FUNCTION knowledge_ticket_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE knowledge_ticket_search;
      RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER knowledge_ticket_at AFTER TRUNCATE ON tickets_ticket
       FOR EACH STATEMENT EXECUTE FUNCTION knowledge_ticket_truncated()""",
    """CREATE TRIGGER knowledge_message_ai AFTER INSERT ON tickets_message
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_message_inserted()""",
    """CREATE TRIGGER knowledge_message_au AFTER UPDATE ON tickets_message
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_message_updated()""",
    """CREATE TRIGGER knowledge_message_ad AFTER DELETE ON tickets_message
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
       EXECUTE FUNCTION knowledge_message_deleted()""",
    # Articles: one document per translation, in the stemmer of its own language.
    """
    CREATE TABLE knowledge_article_search (
        translation_id bigint PRIMARY KEY,
        article_id bigint NOT NULL,
        doc tsvector NOT NULL
    )
    """,
    "CREATE INDEX knowledge_article_search_doc ON knowledge_article_search USING gin (doc)",
    """
    CREATE FUNCTION knowledge_translation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE cfg regconfig;
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM knowledge_article_search WHERE translation_id = OLD.id;
        RETURN NULL;
      END IF;
      cfg := CASE WHEN NEW.language = 'en' THEN 'escala_en'::regconfig
                  ELSE 'escala_es'::regconfig END;
      INSERT INTO knowledge_article_search (translation_id, article_id, doc)
      VALUES (NEW.id, NEW.article_id,
              setweight(to_tsvector(cfg, NEW.title), 'A') || setweight(to_tsvector(cfg, NEW.body), 'B'))
      ON CONFLICT (translation_id) DO UPDATE
        SET article_id = EXCLUDED.article_id, doc = EXCLUDED.doc;
      RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER knowledge_translation_aiud AFTER INSERT OR UPDATE OR DELETE
       ON knowledge_articletranslation FOR EACH ROW
       EXECUTE FUNCTION knowledge_translation_changed()""",
    # Anything already there (an existing installation) is indexed once now.
    "SELECT knowledge_refresh_tickets(ARRAY(SELECT id FROM tickets_ticket))",
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_translation_aiud ON knowledge_articletranslation",
    "DROP FUNCTION IF EXISTS knowledge_translation_changed()",
    "DROP TABLE IF EXISTS knowledge_article_search",
    "DROP TRIGGER IF EXISTS knowledge_message_ad ON tickets_message",
    "DROP TRIGGER IF EXISTS knowledge_message_au ON tickets_message",
    "DROP TRIGGER IF EXISTS knowledge_message_ai ON tickets_message",
    "DROP TRIGGER IF EXISTS knowledge_ticket_at ON tickets_ticket",
    "DROP FUNCTION IF EXISTS knowledge_ticket_truncated()",
    "DROP TRIGGER IF EXISTS knowledge_ticket_ad ON tickets_ticket",
    "DROP TRIGGER IF EXISTS knowledge_ticket_au ON tickets_ticket",
    "DROP TRIGGER IF EXISTS knowledge_ticket_ai ON tickets_ticket",
    "DROP FUNCTION IF EXISTS knowledge_message_deleted()",
    "DROP FUNCTION IF EXISTS knowledge_message_updated()",
    "DROP FUNCTION IF EXISTS knowledge_message_inserted()",
    "DROP FUNCTION IF EXISTS knowledge_ticket_deleted()",
    "DROP FUNCTION IF EXISTS knowledge_ticket_updated()",
    "DROP FUNCTION IF EXISTS knowledge_ticket_inserted()",
    "DROP FUNCTION IF EXISTS knowledge_refresh_tickets(bigint[])",
    "DROP FUNCTION IF EXISTS knowledge_bilingual(text, \"char\")",
    "DROP TABLE IF EXISTS knowledge_ticket_search",
]

_SQLITE_REFRESH = """
      UPDATE knowledge_ticket_fts SET
        public_text = coalesce((SELECT group_concat(body, char(10)) FROM
            (SELECT body FROM tickets_message WHERE ticket_id = {tid} AND kind = 'reply'
             ORDER BY id)), ''),
        note_text = coalesce((SELECT group_concat(body, char(10)) FROM
            (SELECT body FROM tickets_message WHERE ticket_id = {tid} AND kind <> 'reply'
             ORDER BY id)), '')
      WHERE rowid = {tid};
"""

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE knowledge_ticket_fts USING fts5(
         subject, public_text, note_text, tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER knowledge_ticket_ai AFTER INSERT ON tickets_ticket BEGIN
         DELETE FROM knowledge_ticket_fts WHERE rowid = NEW.id;
         INSERT INTO knowledge_ticket_fts (rowid, subject, public_text, note_text)
           VALUES (NEW.id, NEW.subject, '', '');
       END""",
    """CREATE TRIGGER knowledge_ticket_au AFTER UPDATE OF subject ON tickets_ticket
       WHEN OLD.subject IS NOT NEW.subject BEGIN
         UPDATE knowledge_ticket_fts SET subject = NEW.subject WHERE rowid = NEW.id;
       END""",
    """CREATE TRIGGER knowledge_ticket_ad AFTER DELETE ON tickets_ticket BEGIN
         DELETE FROM knowledge_ticket_fts WHERE rowid = OLD.id;
       END""",
    "CREATE TRIGGER knowledge_message_ai AFTER INSERT ON tickets_message BEGIN"
    + _SQLITE_REFRESH.format(tid="NEW.ticket_id")
    + "END",
    "CREATE TRIGGER knowledge_message_au AFTER UPDATE OF body, kind, ticket_id ON tickets_message"
    " BEGIN"
    + _SQLITE_REFRESH.format(tid="NEW.ticket_id")
    + _SQLITE_REFRESH.format(tid="OLD.ticket_id")
    + "END",
    "CREATE TRIGGER knowledge_message_ad AFTER DELETE ON tickets_message BEGIN"
    + _SQLITE_REFRESH.format(tid="OLD.ticket_id")
    + "END",
    """CREATE VIRTUAL TABLE knowledge_article_fts USING fts5(
         title, body, tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER knowledge_translation_ai AFTER INSERT ON knowledge_articletranslation BEGIN
         INSERT INTO knowledge_article_fts (rowid, title, body)
           VALUES (NEW.id, NEW.title, NEW.body);
       END""",
    """CREATE TRIGGER knowledge_translation_au AFTER UPDATE ON knowledge_articletranslation BEGIN
         UPDATE knowledge_article_fts SET title = NEW.title, body = NEW.body WHERE rowid = NEW.id;
       END""",
    """CREATE TRIGGER knowledge_translation_ad AFTER DELETE ON knowledge_articletranslation BEGIN
         DELETE FROM knowledge_article_fts WHERE rowid = OLD.id;
       END""",
    # Anything already there (an existing installation) is indexed once now.
    """INSERT INTO knowledge_ticket_fts (rowid, subject, public_text, note_text)
       SELECT t.id, t.subject,
         coalesce((SELECT group_concat(body, char(10)) FROM tickets_message m
                   WHERE m.ticket_id = t.id AND m.kind = 'reply'), ''),
         coalesce((SELECT group_concat(body, char(10)) FROM tickets_message m
                   WHERE m.ticket_id = t.id AND m.kind <> 'reply'), '')
       FROM tickets_ticket t""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_translation_ad",
    "DROP TRIGGER IF EXISTS knowledge_translation_au",
    "DROP TRIGGER IF EXISTS knowledge_translation_ai",
    "DROP TABLE IF EXISTS knowledge_article_fts",
    "DROP TRIGGER IF EXISTS knowledge_message_ad",
    "DROP TRIGGER IF EXISTS knowledge_message_au",
    "DROP TRIGGER IF EXISTS knowledge_message_ai",
    "DROP TRIGGER IF EXISTS knowledge_ticket_ad",
    "DROP TRIGGER IF EXISTS knowledge_ticket_au",
    "DROP TRIGGER IF EXISTS knowledge_ticket_ai",
    "DROP TABLE IF EXISTS knowledge_ticket_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"Full-text search supports PostgreSQL and SQLite, not "
                f"{schema_editor.connection.vendor}."
            )
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
