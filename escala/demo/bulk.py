"""Fast inserts for the demo's millions of rows: COPY on PostgreSQL, executemany elsewhere.

Rows are plain tuples in the order of `columns`; values go through each field's own
get_db_prep_value, so dates, durations and JSON are stored exactly as the ORM would store them.
"""

import json
from collections import defaultdict
from collections.abc import Callable

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Field, Model


class BulkWriter:
    def __init__(self, flush_every: int = 20_000) -> None:
        self.flush_every = flush_every
        self.rows: dict[type[Model], list[tuple]] = defaultdict(list)
        self.columns: dict[type[Model], list[str]] = {}
        self.next_ids: dict[type[Model], int] = {}

    def register(self, model: type[Model], columns: list[str]) -> None:
        self.columns[model] = ["id", *columns]
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.next_ids[model] = last + 1

    def reserve(self, model: type[Model]) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] = pk + 1
        return pk

    def add(self, model: type[Model], *values: object, pk: int | None = None) -> int:
        if pk is None:
            pk = self.reserve(model)
        self.rows[model].append((pk, *values))
        return pk

    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> None:
        for model, columns in self.columns.items():  # registration order respects foreign keys
            rows = self.rows.pop(model, [])
            if rows:
                self._write(model, columns, rows)

    def finish(self) -> None:
        self.flush()
        if connection.vendor == "postgresql":
            statements = connection.ops.sequence_reset_sql(no_style(), list(self.columns))
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def _write(self, model: type[Model], columns: list[str], rows: list[tuple]) -> None:
        fields = [model._meta.get_field(c) for c in columns]
        names = [f.column for f in fields]
        converters = [_converter(f) for f in fields]
        if any(converters):
            rows = [
                tuple(v if c is None or v is None else c(v) for c, v in zip(converters, row))  # noqa: B905
                for row in rows
            ]
        table = model._meta.db_table
        cols = ", ".join(f'"{n}"' for n in names)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608


def _converter(field: Field) -> Callable[[object], object] | None:
    """How a Python value becomes a column value; None where the driver takes it as it is."""
    if isinstance(field, models.JSONField):
        return json.dumps
    if connection.vendor == "postgresql":
        return None  # psycopg adapts datetimes and timedeltas itself
    if isinstance(field, models.DateTimeField | models.DurationField):
        return lambda value: field.get_db_prep_value(value, connection, prepared=False)
    return None
