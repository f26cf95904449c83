"""Trigram indexes for looking requesters up by any part of their name, email or phone
(PostgreSQL only): the console's search from anywhere and the new-ticket caller lookup match
with `icontains` (UPPER(x) LIKE '%…%'), which no b-tree serves; without these, every keystroke
read the whole requester table. SQLite scans, as it does for every LIKE."""

from django.db import migrations

INDEXES = {
    "people_requester_name_trgm": "UPPER(name::text) gin_trgm_ops",
    "people_requester_email_trgm": "UPPER(email::text) gin_trgm_ops",
    "people_requester_phone_trgm": "UPPER(phone::text) gin_trgm_ops",
}


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_requester USING gin ({expression})"
        )


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_agent_is_active")]

    operations = [migrations.RunPython(forwards, backwards)]
