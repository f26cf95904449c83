"""The labels stamp (desk.models.LabelsStamp) and the triggers that change it.

Any insert, delete or update of a tier, team, category, vendor, organization or agent, or a change of a
user's names, writes a new random stamp in the same transaction, so desk.labels knows its copy of
those names is stale however the change was made (admin, bulk load, raw SQL, another process).
Random, not a counter: after a test run's TRUNCATE a counter would start again at a value some
process has already cached. The trigger inserts the row when a flush removed it.
"""

from django.db import migrations, models

WATCHED = [
    "tiers_supporttier",
    "tiers_team",
    "tiers_category",
    "tiers_vendor",
    "people_organization",
]
# Agents: who they are (their user); the other columns (away, supervisor) name nothing.
AGENT_COLUMNS = "user_id"
USER_COLUMNS = "username, first_name, last_name"

PG_FORWARD = [
    """
    CREATE FUNCTION desk_new_labels_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO desk_labelsstamp (id, stamp) VALUES (1, floor(random() * 9e15)::bigint)
      ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
      RETURN NULL;
    END
    $$
    """,
    *[
        f"CREATE TRIGGER desk_labels_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION desk_new_labels_stamp()"
        for t in WATCHED
    ],
    f"CREATE TRIGGER desk_labels_stamp AFTER INSERT OR UPDATE OF {AGENT_COLUMNS} OR DELETE "
    "OR TRUNCATE ON people_agent FOR EACH STATEMENT EXECUTE FUNCTION desk_new_labels_stamp()",
    f"CREATE TRIGGER desk_labels_stamp AFTER UPDATE OF {USER_COLUMNS} ON auth_user "
    "FOR EACH STATEMENT EXECUTE FUNCTION desk_new_labels_stamp()",
]
PG_BACKWARD = [
    *[f"DROP TRIGGER IF EXISTS desk_labels_stamp ON {t}" for t in WATCHED],
    "DROP TRIGGER IF EXISTS desk_labels_stamp ON people_agent",
    "DROP TRIGGER IF EXISTS desk_labels_stamp ON auth_user",
    "DROP FUNCTION IF EXISTS desk_new_labels_stamp()",
]

_SQLITE_BODY = (
    "BEGIN INSERT INTO desk_labelsstamp (id, stamp) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp; END"
)
_SQLITE_EVENTS = {
    **{t: ["INSERT", "UPDATE", "DELETE"] for t in WATCHED},
    "people_agent": ["INSERT", f"UPDATE OF {AGENT_COLUMNS}", "DELETE"],
    "auth_user": [f"UPDATE OF {USER_COLUMNS}"],
}
SQLITE_FORWARD = [
    f"CREATE TRIGGER desk_labels_{table}_{event.split()[0].lower()} AFTER {event} ON {table} "
    f"{_SQLITE_BODY}"
    for table, events in _SQLITE_EVENTS.items()
    for event in events
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS desk_labels_{table}_{event.split()[0].lower()}"
    for table, events in _SQLITE_EVENTS.items()
    for event in events
]


def _run(statements_by_vendor):  # noqa: ANN001, ANN202
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


def first_stamp(apps, schema_editor) -> None:  # noqa: ANN001
    apps.get_model("desk", "LabelsStamp").objects.update_or_create(pk=1, defaults={"stamp": 1})


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0004_open_queue_sort_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("people", "0001_initial"),
        ("tiers", "0002_seed_levels"),
    ]

    operations = [
        migrations.CreateModel(
            name="LabelsStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_stamp, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
