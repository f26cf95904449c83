"""Querysets compiled to SQL once per database connection, for the hottest pages' reads.

Django compiles a queryset to SQL on every execution: for the ticket page's reads (a ticket with
its seven joined rows, its thread, history and tier stays) that cost more CPU than PostgreSQL
spent running them (issue #20). `rows(key, build, *values)` compiles `build(*stand_ins)` the
first time a connection meets `key`, and after that runs the same SQL with `values` in the
stand-ins' places, through Django's own iterables: model instances, values and field converters
come out exactly as from `list(build(*values))`.

`build` must give the same SQL for any values, the values only filling parameters; whatever
else shapes the query (the viewer's scope ...) belongs in `key`. A query whose values do not all
end up as parameters is simply run as built every time.
"""

from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-ins for the values: bigints no id reaches, each found nowhere else among the parameters.
STAND_INS = tuple(9_007_199_254_740_000 + n for n in range(1, 9))
MAX_KEPT = 256  # queries kept per connection (a key per query and viewer scope); all go beyond
_ATTRIBUTE = "_escala_kept_sql"


class _Kept:
    __slots__ = ("compiler", "params", "places", "queryset", "sql")

    def __init__(self, queryset: QuerySet, count: int) -> None:
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        wanted = STAND_INS[:count]
        self.places = [
            (i, wanted.index(p)) for i, p in enumerate(params) if _is_stand_in(p, wanted)
        ]
        if {n for _i, n in self.places} != set(range(count)):
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
    return type(param) is int and param in wanted


def rows(key: Hashable, build: Callable[..., QuerySet], *values: Any) -> list:
    """list(build(*values)), compiled once per connection under `key` (on the default
    database: a query routed elsewhere runs as built)."""
    connection = connections[DEFAULT_DB_ALIAS]
    kept: dict[Hashable, _Kept | None] = connection.__dict__.setdefault(_ATTRIBUTE, {})
    if key not in kept:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        probe = build(*STAND_INS[: len(values)])
        try:
            if probe.db != DEFAULT_DB_ALIAS:
                raise LookupError("another database")
            kept[key] = _Kept(probe, len(values))
        except (LookupError, EmptyResultSet):  # not all parameters, or no SQL at all
            kept[key] = None
    found = kept[key]
    if found is None:
        return list(build(*values))
    return found.rows(values)
