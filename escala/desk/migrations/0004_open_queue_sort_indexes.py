"""Indexes for the queue's sorts over open tickets (PostgreSQL only).

"Priority" sorts by a CASE over the priority (desk.queries.with_priority_rank) and "recently
updated" by updated_at; without an index, each page read and sorted every open ticket in the
agent's scope. Partial indexes over open tickets keep them small. The CASE here must stay the
expression with_priority_rank builds (tests/desk/test_queues.py checks the planner can use it)."""

from django.db import migrations

OPEN = "status IN ('new', 'open', 'pending_customer', 'pending_vendor', 'reopened')"
RANK = (
    "(CASE WHEN priority = 'critical' THEN 1 WHEN priority = 'high' THEN 2"
    " WHEN priority = 'medium' THEN 3 WHEN priority = 'low' THEN 4 ELSE 9 END)"
)
INDEXES = {
    "desk_open_by_priority": f"({RANK}, created_at DESC, id DESC) WHERE {OPEN}",
    "desk_open_by_updated": f"(updated_at DESC, id DESC) WHERE {OPEN}",
}


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_ticket {definition}")


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("desk", "0003_presence")]

    operations = [migrations.RunPython(forwards, backwards)]
