"""Indexes and statistics for the queues at a million tickets (PostgreSQL only).

Open tickets are a sliver of a big table (15,000 of 1,000,000 in the scale demo), and only they
have a next SLA deadline and, in practice, no assignee. The planner multiplies the selectivity
of such conditions as if they were independent, guesses a few dozen rows where thousands match,
and reads and sorts every one of them before the LIMIT (the newest of an agent's queue 28 ms,
the unassigned queue 12 ms, the breached filter 25 ms; docs/decisions/0023, addendum):

- `desk_open_newest`: the default sort (newest first; oldest reads it backwards) over open
  tickets, as `desk_open_by_updated` (0004) does for the "updated" sort;
- `desk_open_unassigned`: the unassigned queue, newest first, bounded by its own size;
- `desk_open_by_due`: the Due sort and the SLA filters over open tickets;
- statistics of assignee and status together (most common combinations), so "unassigned and
  open" is counted as it is.
The expressions must stay the ones desk.queries builds (tests/desk/test_queues.py asks the
planner)."""

from django.db import migrations

OPEN = "status IN ('new', 'open', 'pending_customer', 'pending_vendor', 'reopened')"
INDEXES = {
    "desk_open_newest": f"(created_at DESC, id DESC) WHERE {OPEN}",
    "desk_open_unassigned": f"(created_at DESC, id DESC) WHERE assignee_id IS NULL AND {OPEN}",
    "desk_open_by_due": f"(sla_due_at, id) WHERE {OPEN}",
}
STATISTICS = "desk_ticket_assignee_status"


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_ticket {definition}")
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON assignee_id, status "
        "FROM tickets_ticket"
    )
    schema_editor.execute("ANALYZE tickets_ticket")  # the new statistics, at once


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("desk", "0010_canned_reply_name_once"), ("tickets", "0008_ticket_sla_due")]

    operations = [migrations.RunPython(forwards, backwards)]
