"""Querysets compiled to SQL once per database connection, for the hottest pages' reads.

Django compiles a queryset to SQL on every execution: for the ticket page's reads (a ticket with
its seven joined rows, its thread, history and tier stays) that cost more CPU than PostgreSQL
spent running them (issue #20). `rows(key, build, *values)` compiles `build(*stand_ins)` the
first time a connection meets `key`, and after that runs the same SQL with `values` in the
stand-ins' places, through Django's own iterables: model instances, values and field converters
come out exactly as from `list(build(*values))`.

`build` must give the same SQL for any values, the values only filling parameters; whatever
else shapes the query (the viewer's scope ...) belongs in `key`, and anything else `build`
puts in it is fixed at the first run (pass the current time as a value, never compute it inside).
Values are ints, strings or datetimes; a query whose values do not all end up as parameters as
they are (SQLite writes datetimes as text) is simply run as built every time.
"""

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-ins for the values, by type: found nowhere else among a query's parameters.
_STAND_INS: dict[type, Callable[[int], Any]] = {
    # Near the top of a 32-bit integer: an id no table reaches, yet a value an integer column
    # takes (the ORM drops a lookup out of the column's range from the SQL: the user's id).
    int: lambda n: 2_147_483_000 + n,
    str: lambda n: f"\x1fkept-sql-stand-in-{n}\x1f",
    datetime: lambda n: datetime(1901, 2, 3, 4, 5, n, tzinfo=UTC),
}
MAX_KEPT = 256  # queries kept per connection (a key per query and viewer scope); all go beyond
_ATTRIBUTE = "_escala_kept_sql"


class _Kept:
    __slots__ = ("compiler", "params", "places", "queryset", "sql")

    def __init__(self, queryset: QuerySet, wanted: tuple) -> None:
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.places = [
            (i, wanted.index(p)) for i, p in enumerate(params) if _is_stand_in(p, wanted)
        ]
        if {n for _i, n in self.places} != set(range(len(wanted))):
            raise LookupError("a value is not a parameter of this query")
        # Every copy of the queryset asks its query for this compiler, already set up.
        queryset.query.get_compiler = lambda *args, **kwargs: self.compiler

    def rows(self, values: tuple) -> list:
        params = self.params.copy()
        for i, n in self.places:
            params[i] = values[n]
        sql, filled = self.sql, tuple(params)
        # A connection belongs to one thread: nobody else runs this compiler meanwhile.
        self.compiler.as_sql = lambda *args, **kwargs: (sql, filled)
        return list(self.queryset._chain())


def _is_stand_in(param: Any, wanted: tuple) -> bool:
    return type(param) in _STAND_INS and param in wanted


def _stand_ins(values: tuple) -> tuple:
    if any(type(v) not in _STAND_INS for v in values):
        raise LookupError("a value of a type without a stand-in")
    return tuple(_STAND_INS[type(v)](n) for n, v in enumerate(values, start=1))


def rows(key: Hashable, build: Callable[..., QuerySet], *values: Any) -> list:
    """list(build(*values)), compiled once per connection under `key` (on the default
    database: a query routed elsewhere runs as built)."""
    connection = connections[DEFAULT_DB_ALIAS]
    kept: dict[Hashable, _Kept | None] = connection.__dict__.setdefault(_ATTRIBUTE, {})
    if key not in kept:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        try:
            wanted = _stand_ins(values)
            probe = build(*wanted)
            if probe.db != DEFAULT_DB_ALIAS:
                raise LookupError("another database")
            kept[key] = _Kept(probe, wanted)
        except (LookupError, EmptyResultSet):  # not all parameters, or no SQL at all
            kept[key] = None
    found = kept[key]
    if found is None:
        return list(build(*values))
    return found.rows(values)
