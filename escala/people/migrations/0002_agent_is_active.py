from django.db import migrations, models


class Migration(migrations.Migration):
    """Agent.is_active. Added with ALTER TABLE ... ADD COLUMN on every database: SQLite would
    otherwise rebuild people_agent and drop the triggers other apps keep on it (desk 0005)."""

    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE people_agent ADD COLUMN is_active boolean NOT NULL DEFAULT true",
                    "ALTER TABLE people_agent DROP COLUMN is_active",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="agent",
                    name="is_active",
                    field=models.BooleanField(
                        default=True,
                        help_text=(
                            "An inactive agent no longer works at the desk, e.g. after leaving "
                            "every agent group of the directory; their history stays."
                        ),
                        verbose_name="active",
                    ),
                ),
            ],
        ),
    ]
