"""GIN indexes without the "fast update" pending list (PostgreSQL only).

With fastupdate on, new entries wait in an unsorted pending list that every search scans in
full until a vacuum merges it: after a burst of new tickets a search at a million tickets went
from milliseconds to hundreds of them. A help desk writes a few tickets a second and searches
constantly, so each write pays its small index update instead."""

from django.db import migrations

INDEXES = (
    "knowledge_ticket_search_public",
    "knowledge_ticket_search_note",
    "knowledge_article_search_doc",
)


def fastupdate(value: str):
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in INDEXES:
            schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = {value})")
            if value == "off":  # merge what is already pending
                schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [migrations.RunPython(fastupdate("off"), fastupdate("on"))]
