"""SQLite rebuilds tiers_team to add its Spanish name (tiers 0003), which drops the table's
triggers: put the labels stamp's triggers on it back (PostgreSQL keeps them; nothing to do)."""

import importlib

from django.db import migrations

stamp = importlib.import_module("escala.desk.migrations.0005_labels_stamp")
TEAM = "tiers_team"
FORWARD = [sql for sql in stamp.SQLITE_FORWARD if f" ON {TEAM} " in sql]
DROP = [sql for sql in stamp.SQLITE_BACKWARD if f"desk_labels_{TEAM}_" in sql]


def put_back(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in [*DROP, *FORWARD]:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0005_labels_stamp"),
        ("tiers", "0003_team_name_es"),
    ]

    operations = [migrations.RunPython(put_back, migrations.RunPython.noop)]
