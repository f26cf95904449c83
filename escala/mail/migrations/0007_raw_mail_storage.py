"""Raw mail may live in the raw-mail storage (escala/mail/rawstore.py): the row names its object
(raw_key) and keeps its SHA-256. The bytes column keeps its name in the database ("raw"); only
the model's field is renamed (`mail.raw` is now a property that reads either), so the upgrade
rewrites no table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0006_outbox_html_body"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="inboundmail", old_name="raw", new_name="raw_column"
                ),
                migrations.AlterField(
                    model_name="inboundmail",
                    name="raw_column",
                    field=models.BinaryField(db_column="raw"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="inboundmail",
            name="raw_key",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="inboundmail",
            name="raw_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
