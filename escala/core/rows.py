"""Writing many rows of one model at once."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def update_rows(rows: Sequence[Model], field_names: Sequence[str]) -> None:
    """Save `field_names` of every row with one UPDATE statement sent for all (executemany).
    `bulk_update` would build a CASE expression per field and row, which costs more than the
    rows themselves for the batches we write (a hundred mails, a relay's clocks)."""
    if not rows:
        return
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608  (names from the model)
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
