"""A canned reply's name once per owner, and once among the shared, whatever its case.

Names used twice already (before this, only the action's check kept them apart, and a race, the
admin or a bulk load could pass it) are renamed first, so this never fails on a live database:
the oldest keeps its name, each later twin gets " (2)", " (3)", ... (cut to fit 100 characters),
a suffix no other reply of that owner uses. Case is compared by the database's own lower(), as
the index does. Going back keeps the new names."""

from django.db import migrations, models
from django.db.models import Count, Q, Value
from django.db.models.functions import Lower

MAX_NAME = 100


def _free_name(CannedReply, owner_id, name: str) -> str:
    same_owner = CannedReply.objects.filter(owner_id=owner_id).annotate(key=Lower("name"))
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if not same_owner.filter(key=Lower(Value(candidate))).exists():
            return candidate
        n += 1


def rename_twins(apps, schema_editor):
    CannedReply = apps.get_model("desk", "CannedReply")
    twins = (
        CannedReply.objects.annotate(key=Lower("name"))
        .values("owner_id", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for group in list(twins):
        rows = (
            CannedReply.objects.annotate(key=Lower("name"))
            .filter(owner_id=group["owner_id"], key=group["key"])
            .order_by("id")
        )
        for row in list(rows)[1:]:
            row.name = _free_name(CannedReply, row.owner_id, row.name)
            row.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0009_remove_presence_for_cache"),
    ]

    operations = [
        migrations.RunPython(rename_twins, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="cannedreply",
            constraint=models.UniqueConstraint(
                Lower("name"),
                models.F("owner"),
                condition=Q(owner__isnull=False),
                name="canned_reply_name_once_per_owner",
                violation_error_message="A canned reply of that name exists already.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cannedreply",
            constraint=models.UniqueConstraint(
                Lower("name"),
                condition=Q(owner__isnull=True),
                name="canned_reply_name_once_shared",
                violation_error_message="A canned reply of that name exists already.",
            ),
        ),
    ]
