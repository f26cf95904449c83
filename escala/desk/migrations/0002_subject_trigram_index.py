"""A trigram index for the queue's text filter (PostgreSQL only).

The filter matches any part of the subject (`icontains`, i.e. UPPER(subject) LIKE '%…%'), which
no b-tree can serve: at a million tickets it read the whole table. A pg_trgm GIN index on the
same expression answers it from the index. SQLite scans, as it does for every LIKE."""

from django.db import migrations


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS desk_ticket_subject_trgm ON tickets_ticket "
        "USING gin (UPPER(subject::text) gin_trgm_ops)"
    )


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS desk_ticket_subject_trgm")


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_initial"), ("tickets", "0002_sla_event_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
