"""The labels stamp also changes with the configuration the ticket page reads on every request:
the SLA calendars (with their hours and days off), policies and tier targets, the macros, and who
is a supervisor, active or in which team. desk.labels keeps those in memory per stamp too, so the
ticket page reads them with the one stamp query instead of seven (see docs/decisions/
0020-ticketpage-reads.md). Same triggers as 0005 (statement level, same transaction)."""

import importlib

from django.db import migrations

stamp = importlib.import_module("escala.desk.migrations.0005_labels_stamp")

WATCHED = [
    "sla_businesscalendar",
    "sla_workinghours",
    "sla_dayoff",
    "sla_slapolicy",
    "sla_tiertarget",
    "automation_macro",
    "people_agent_teams",
]
AGENT_COLUMNS = "is_supervisor, is_active"

PG_FORWARD = [
    *[
        f"CREATE TRIGGER desk_config_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION desk_new_labels_stamp()"
        for t in WATCHED
    ],
    f"CREATE TRIGGER desk_config_stamp AFTER UPDATE OF {AGENT_COLUMNS} ON people_agent "
    "FOR EACH STATEMENT EXECUTE FUNCTION desk_new_labels_stamp()",
]
PG_BACKWARD = [
    *[f"DROP TRIGGER IF EXISTS desk_config_stamp ON {t}" for t in WATCHED],
    "DROP TRIGGER IF EXISTS desk_config_stamp ON people_agent",
]
_SQLITE_EVENTS = {
    **{t: ["INSERT", "UPDATE", "DELETE"] for t in WATCHED},
    "people_agent": [f"UPDATE OF {AGENT_COLUMNS}"],
}
SQLITE_FORWARD = [
    f"CREATE TRIGGER desk_config_{table}_{event.split()[0].lower()} AFTER {event} ON {table} "
    f"{stamp._SQLITE_BODY}"
    for table, events in _SQLITE_EVENTS.items()
    for event in events
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS desk_config_{table}_{event.split()[0].lower()}"
    for table, events in _SQLITE_EVENTS.items()
    for event in events
]


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0007_canned_replies_and_signatures"),
        ("sla", "0001_initial"),
        ("automation", "0002_trigger_on_field_changed"),
        ("people", "0002_agent_is_active"),
    ]

    operations = [
        migrations.RunPython(
            stamp._run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            stamp._run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
