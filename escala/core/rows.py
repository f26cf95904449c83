"""Writing many rows of one model at once.

`update_rows` saves fields of many rows with one statement. `buffered()` holds back the inserts
of rows that nothing reads before the commit (queued events, the outbox, mail thread ids, tier
stays) so a batch of work (a hundred mails in one transaction) writes them with one INSERT per
model at its end instead of one per row. On PostgreSQL a few held rows of several models (one
action: a new ticket, its message, stay, event and queue row) are written with one chained
statement, a foreign key to a row held before it read from that row's RETURNING: one round trip
where there were five.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, connections, models, transaction
from django.db.models import Model
from django.db.models.base import DEFERRED as DEFERRED_VALUE


def update_rows(rows: Sequence[Model], field_names: Sequence[str]) -> None:
    """Save `field_names` of every row with one UPDATE statement. `bulk_update` would build a
    CASE expression per field and row, which costs more than the rows themselves for the
    batches we write (a hundred mails, a relay's clocks). On PostgreSQL the rows' values come
    as one array per column (UPDATE ... FROM UNNEST): one statement for all, so a table's
    statement-level triggers (the ticket search keys) run once for the batch, not once a row;
    elsewhere one statement sent for every row (executemany)."""
    if not rows:
        return
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    if connection.vendor == "postgresql":
        # The last values given for a row win, as when each was written in turn.
        last = {row.pk: row for row in rows}
        columns = [meta.pk, *fields]
        names = [f"c{i}" for i in range(len(columns))]
        arrays = ", ".join(f"(%s)::{_array_type(f)}[]" for f in columns)
        sets = ", ".join(
            f"{connection.ops.quote_name(f.column)} = v.{name}"
            for f, name in zip(fields, names[1:], strict=True)
        )
        sql = (
            f"UPDATE {table} SET {sets} FROM UNNEST({arrays}) AS v({', '.join(names)})"  # noqa: S608
            f" WHERE {table}.{pk} = v.c0"
        )
        params = [list(last)] + [
            [f.get_db_prep_save(getattr(row, f.attname), connection) for row in last.values()]
            for f in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608  (names from the model)
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _array_type(field: models.Field) -> str:
    # As bulk_create's UNNEST: the column's type without its size (varchar, not varchar(50)),
    # so that a value is never cut to fit (an over-long one fails as it would in the column).
    return field.db_type(connection).split("(")[0]


def insert_unless_taken(row: Model) -> bool:
    """Insert `row` unless one of its unique constraints is already taken (another worker filed
    the same sender a moment ago): INSERT ... ON CONFLICT DO NOTHING RETURNING, one statement
    where a savepoint around a plain INSERT costs three. True, and the primary key set, when
    the row was inserted. Like `bulk_create`, it sends no `post_save` signal."""
    meta = row._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and row.pk is None)]
    values = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING {pk}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True


# PostgreSQL: the values whose get_db_prep_save is the value itself, by field type (an aware
# datetime is checked apart: a naive one is made aware by get_db_prep_save, with a warning).
_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    **{f: (str,) for f in (models.CharField, models.TextField, models.EmailField)},
    **{f: (int,) for f in (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)},
    **{f: (int,) for f in (models.PositiveIntegerField, models.PositiveSmallIntegerField)},
    **{f: (int,) for f in (models.ForeignKey, models.OneToOneField)},
    models.BooleanField: (bool,),
    models.FloatField: (float,),
    models.DurationField: (timedelta,),
}

# Rows per INSERT of `insert_many`.
INSERT_MANY_ROWS = 2000


def insert_many(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> list[Model]:
    """`bulk_create(objs)` for new rows of one model (the relay's clocks, facts, events and
    mails): the same rows, sequence ids set from RETURNING (not with `ignore_conflicts`, as
    bulk_create), no signal; on PostgreSQL one INSERT ... SELECT FROM UNNEST built here from
    the fields, without the ORM's per-value compiling, which cost more than the statement (a
    relayed ticket writes ten rows). Elsewhere, or for rows it does not handle (an id given
    where the sequence gives them, a database default, a parent model), `bulk_create`."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    columns = _columns(model)
    # An id from the table's sequence (given back by RETURNING), or one of the row's own (a
    # one-to-one primary key: a ticket's facts), written as any other column.
    sequence = isinstance(meta.pk, models.AutoField)
    if (
        connection.vendor != "postgresql"
        or meta.parents
        or any(type(o) is not model or (o.pk is not None) is sequence for o in objs)
        or any(c.field.db_default is not models.NOT_PROVIDED for c in columns)
        or any(c.field.db_returning and c.field is not meta.pk for c in columns)
        or any(not _unnestable(c.field) for c in columns)
    ):
        return model.objects.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    written = [c for c in columns if not (sequence and c.field is meta.pk)]
    for obj in objs:
        for c in written:
            if c.relation and getattr(obj, c.attname) is None and c.field.is_cached(obj):
                target = c.field.get_cached_value(obj)
                if target is not None and target.pk is None:
                    # As bulk_create: an unsaved related row is refused (it raises).
                    return model.objects.bulk_create(objs, ignore_conflicts=ignore_conflicts)
                if target is not None:
                    setattr(obj, c.attname, target.pk)
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(c.quoted for c in written)
    # One array per column, as bulk_create's UNNEST: a short statement, planned once.
    arrays = ", ".join(f"(%s)::{_array_type(c.field)}[]" for c in written)
    pk = connection.ops.quote_name(meta.pk.column)
    returning = sequence and not ignore_conflicts
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        tail = f" RETURNING {pk}"
    db = connections[connection.alias]  # the wrapper itself: no proxy look-up per value
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608
    several = len(objs) > INSERT_MANY_ROWS
    with transaction.atomic(savepoint=False) if several else contextlib.nullcontext():
        _insert_chunks(objs, written, sql, db, returning=returning)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _unnestable(field: models.Field) -> bool:
    # As bulk_create's UNNEST: a column of a standard type, whose placeholder is a plain %s.
    target = field.target_field if field.is_relation else field
    return (
        not (hasattr(field, "get_placeholder_sql") or hasattr(field, "get_placeholder"))
        and target.get_internal_type() in connection.data_types
    )


def _insert_chunks(
    objs: list[Model], written: list[_Column], sql: str, db: object, *, returning: bool
) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(objs), INSERT_MANY_ROWS):
            chunk = objs[start : start + INSERT_MANY_ROWS]
            params: list[list[object]] = []
            for c in written:
                f = c.field
                values = [
                    f.pre_save(obj, add=True) if c.pre_save else getattr(obj, c.attname)
                    for obj in chunk
                ]
                if type(f) is models.DateTimeField:
                    as_is = all(v is None or (type(v) is datetime and v.tzinfo) for v in values)
                else:
                    same = _AS_IS.get(type(f), ())
                    as_is = bool(same) and all(v is None or type(v) in same for v in values)
                if not as_is:
                    values = [f.get_db_prep_save(v, db) for v in values]
                params.append(values)
            cursor.execute(sql, params)
            if returning:
                for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = new_pk


# --- New rows, built cheaply ------------------------------------------------------------------


@functools.cache
def _new_plan(model: type[Model]) -> tuple[tuple[str, str, bool, models.Field], ...]:
    return tuple(
        (f.name, f.attname, f.many_to_one is True, f)
        for f in model._meta.concrete_fields  # noqa: SLF001  (Django's public _meta)
    )


def new[M: Model](model: type[M], /, **values: object) -> M:
    """`model(**values)` for a row about to be inserted, built the way Django builds a row it
    reads (its columns in order, as positional arguments), which costs a third to a half of the
    keyword path: that one looks each field up, fills defaults one by one and sets every foreign
    key through its descriptor. A foreign key given as a row (`ticket=ticket`) gets its id and
    is cached on the new row, as the descriptor would; anything else given by name (a one-to-one
    field) is set through its descriptor. Unknown names raise TypeError, as the model does."""
    args: list[object] = []
    related: list[tuple[str, Model | None]] = []
    for name, attname, foreign_key, field in _new_plan(model):
        if foreign_key and name in values:
            target = values.pop(name)
            if target is not None and not isinstance(target, field.remote_field.model):
                raise ValueError(f"{model.__name__}.{name} must be a {field.remote_field.model}")
            args.append(None if target is None else target.pk)
            related.append((name, target))  # type: ignore[arg-type]
        elif attname in values:
            args.append(values.pop(attname))
        elif name in values:
            args.append(DEFERRED_VALUE)  # set below, through its descriptor
        else:
            args.append(field.get_default())
    row = model(*args)
    cache = row._state.fields_cache
    for name, target in related:
        cache[name] = target
    for name, value in values.items():  # one-to-one fields; unknown names raise
        if name not in model._meta._forward_fields_map:  # noqa: SLF001
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument {name!r}")
        setattr(row, name, value)
    return row


# --- Inserts held back to the end of a batch --------------------------------------------------


class _Marker:
    """Registered with `transaction.on_commit` beside each held row: Django drops it when the
    savepoint the row was added in rolls back, and then the row is dropped too."""

    __slots__ = ()

    def __call__(self) -> None:
        pass


@dataclass(slots=True)
class _Held:
    row: Model
    ignore_conflicts: bool
    marker: _Marker
    ids: dict[str, Model] | None  # column -> the held row whose id it takes


_held: ContextVar[list[_Held] | None] = ContextVar("escala_rows_held", default=None)
# Channels to NOTIFY in the statement that writes the held rows (delivered at the commit).
_notify: ContextVar[set[str] | None] = ContextVar("escala_rows_notify", default=None)

_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # written into the statement as it is

# At most this many held rows are chained into one statement; a bigger batch (a hundred mails)
# writes one multi-row INSERT per model, whose cost does not grow with a CTE per row.
CHAIN_MAX = 8


@contextlib.contextmanager
def buffered() -> Iterator[None]:
    """Inside a transaction: rows given to `insert_later` in the block are inserted when it
    ends (still inside the transaction), one statement per model. Only for rows that nothing
    reads before the commit; a reader in the block that could need them calls `flush()` first,
    or looks at `held()`. If the block raises, its held rows are dropped with the transaction."""
    if _held.get() is not None:
        yield  # the outer block writes them
        return
    if not connection.in_atomic_block:
        raise RuntimeError("rows.buffered() needs a transaction")
    token = _held.set([])
    notify = _notify.set(set())
    try:
        yield
        flush()
    finally:
        _held.reset(token)
        _notify.reset(notify)


def insert_later(
    row: Model, *, ignore_conflicts: bool = False, ids: dict[str, Model] | None = None
) -> None:
    """Insert `row` now, or at the end of the `buffered()` block around this call. Its primary
    key is set once it is written. `ignore_conflicts`: a row that breaks a unique constraint is
    skipped, silently (a held row must never fail the batch at its end). `ids`: plain id
    columns to fill in from rows held before this one (a foreign key to a held row needs none:
    it is filled in from the row itself)."""
    held = _held.get()
    if held is None:
        for column, target in (ids or {}).items():
            setattr(row, column, target.pk)
        if ignore_conflicts:
            type(row).objects.bulk_create([row], ignore_conflicts=True)
        else:
            row.save(force_insert=True)
        return
    marker = _Marker()
    transaction.on_commit(marker)
    held.append(_Held(row, ignore_conflicts, marker, ids))


def is_buffered() -> bool:
    return _held.get() is not None


def reserve_ids(*targets: Model) -> bool:
    """Give rows their primary keys before they are written, from their tables' sequences, with
    one query for all (PostgreSQL): a row held after them may then carry their ids in plain
    columns or JSON. False, and nothing reserved, on other databases (write them at once)."""
    if connection.vendor != "postgresql":
        return False
    calls = ", ".join(
        f"nextval(pg_get_serial_sequence('{row._meta.db_table}', '{row._meta.pk.column}'))"
        for row in targets
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}")  # noqa: S608  (names from the models)
        for row, pk in zip(targets, cursor.fetchone(), strict=True):
            row.pk = pk
    return True


def notify_with_flush(channel: str) -> bool:
    """NOTIFY `channel` in the statement that writes the held rows (PostgreSQL delivers it at
    the commit, or never if the transaction rolls back): no round trip of its own. False when
    there is no such statement to come (not buffered, or another database): notify yourself."""
    if not _CHANNEL.fullmatch(channel):
        raise ValueError(f"not a channel name: {channel!r}")
    channels = _notify.get()
    if channels is None or connection.vendor != "postgresql":
        return False
    channels.add(channel)
    return True


def mark() -> int:
    """Where the held rows end now; `forget_since(mark)` drops the rows held after it (a block
    that failed without a savepoint of its own)."""
    pending = _held.get()
    return 0 if pending is None else len(pending)


def forget_since(position: int) -> None:
    pending = _held.get()
    if pending is not None:
        del pending[position:]


def held(model: type[Model]) -> list[Model]:
    """The rows of `model` waiting to be inserted (those of rolled-back savepoints left out)."""
    pending = _held.get()
    if not pending:
        return []
    alive = _alive_markers()
    return [h.row for h in pending if type(h.row) is model and id(h.marker) in alive]


def flush() -> None:
    """Insert the held rows now (one statement per model and kind), keeping their order."""
    pending = _held.get()
    waiting = _notify.get()
    channels = sorted(waiting or ())
    if waiting:
        waiting.clear()
    if not pending and not channels:
        return
    rows, pending[:] = list(pending or ()), []
    if connection.needs_rollback:
        return  # the transaction can only roll back: nothing to write
    alive = _alive_markers()
    live = [h for h in rows if id(h.marker) in alive]
    if (
        connection.vendor == "postgresql"
        and live
        and len(live) <= CHAIN_MAX
        and (channels or len({type(h.row) for h in live}) > 1)
    ):
        _chain(live, channels)
        return
    if channels:
        with connection.cursor() as cursor:
            for channel in channels:
                cursor.execute("SELECT pg_notify(%s, '')", [channel])
    groups: dict[tuple[type[Model], bool], list[_Held]] = {}
    for h in live:
        groups.setdefault((type(h.row), h.ignore_conflicts), []).append(h)
    # In the order each model was first held: a row's targets are written before it.
    for (_model, ignore_conflicts), group in groups.items():
        for h in group:
            for column, target in (h.ids or {}).items():
                setattr(h.row, column, target.pk)
        insert_many([h.row for h in group], ignore_conflicts=ignore_conflicts)


def _alive_markers() -> set[int]:
    # Django keeps (savepoint ids, callback, robust) per on_commit callback and drops those of a
    # savepoint when it rolls back; tests/core/test_rows.py holds it to that.
    return {id(func) for _sids, func, _robust in connection.run_on_commit}


# Fields whose database value is the Python value itself when it is None, a str or an int (as
# their get_db_prep_save would make it): written without that call, the chain's main cost.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.ForeignKey,
    models.OneToOneField,
)


@dataclass(frozen=True, slots=True)
class _Column:
    field: models.Field
    attname: str
    quoted: str
    relation: bool
    auto_pk: bool  # generated by the table's sequence when the row has no id yet
    pre_save: bool  # its pre_save() may fill the value in (auto_now_add, a file)
    plain: bool
    # NULL is the column's default: left out when None (psycopg caches the parsing of a
    # statement of at most 50 parameters, which a new ticket's five rows then stay within).
    null_default: bool
    cache_name: str | None  # where a relation keeps its related row (fields_cache), else None


@functools.cache
def _columns(model: type[Model]) -> tuple[_Column, ...]:
    qn = connection.ops.quote_name
    return tuple(
        _Column(
            field=f,
            attname=f.attname,
            quoted=qn(f.column),
            relation=f.is_relation,
            auto_pk=f.primary_key and not f.is_relation,
            pre_save=type(f).pre_save is not models.Field.pre_save,
            plain=type(f) in _PLAIN and not hasattr(f, "get_placeholder"),
            null_default=f.null
            and f.db_default is models.NOT_PROVIDED
            and not isinstance(f, models.JSONField),
            cache_name=f.cache_name if f.is_relation else None,
        )
        for f in model._meta.concrete_fields
    )


PARAM, NULL = "param", "null"  # how a column is written, when it does not link to a held row


@functools.lru_cache(maxsize=64)
def _chain_sql(shape: tuple, channels: tuple[str, ...]) -> str:
    """The statement for rows of this shape: per row its model, whether it conflicts quietly,
    whether its id is the sequence's, and per column the held row it links to (a position),
    PARAM or NULL (left out)."""
    qn = connection.ops.quote_name
    ctes = []
    for i, (model, ignore_conflicts, auto_pk, links) in enumerate(shape):
        names, marks = [], []
        for column, link in zip(_columns(model), links, strict=True):
            if (column.auto_pk and auto_pk) or link is NULL:
                continue  # the sequence's, or the column's default
            names.append(column.quoted)
            if link is PARAM:
                marks.append("%s")
            else:
                target_model = shape[link][0]
                marks.append(f"(SELECT {qn(target_model._meta.pk.column)} FROM r{link})")  # noqa: S608
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        table, columns, values = qn(model._meta.db_table), ", ".join(names), ", ".join(marks)
        # Names from the models, values as parameters.
        insert = f"INSERT INTO {table} ({columns}) VALUES ({values}){conflict}"  # noqa: S608
        ctes.append(f"r{i} AS ({insert} RETURNING {qn(model._meta.pk.column)})")
    outputs = [f"(SELECT {qn(shape[i][0]._meta.pk.column)} FROM r{i})" for i in range(len(shape))]  # noqa: S608
    outputs += [f"pg_notify('{channel}', '')" for channel in channels]  # checked names
    return f"WITH {', '.join(ctes)} SELECT {', '.join(outputs)}"  # noqa: S608


def _chain(held: list[_Held], channels: list[str]) -> None:
    """Write `held` with one statement: an INSERT ... RETURNING per row, chained as CTEs. A
    foreign key (or an `ids` column) to a row held before it reads that row's new id from its
    CTE; a row's own reserved or given id is written as it is. The channels are notified in it.
    No `pre_save`/`post_save` signal, as with `bulk_create`."""
    position = {id(h.row): i for i, h in enumerate(held)}
    shape = []
    params: list[object] = []
    for h in held:
        row = h.row
        # A new row keeps every column's value in its __dict__, and its related rows in
        # fields_cache: read there directly (the descriptors cost more than the statement).
        values = row.__dict__
        related = row._state.fields_cache
        auto_pk = row.pk is None
        linked = h.ids or {}
        links = []
        for column in _columns(type(row)):
            attname = column.attname
            if column.relation:
                target = linked.get(attname)
                if target is None:
                    target = related.get(column.cache_name)
                if target is not None and target.pk is None and id(target) in position:
                    links.append(position[id(target)])  # its id comes from its CTE
                    continue
                if target is not None and values.get(attname) is None:
                    setattr(row, attname, target.pk)  # as save() does for a saved one
            if column.auto_pk and auto_pk:
                links.append(PARAM)  # not written
                continue
            f = column.field
            if column.pre_save:
                value = f.pre_save(row, add=True)
            else:
                value = values[attname] if attname in values else getattr(row, attname)
            if value is None and column.null_default:
                links.append(NULL)
                continue
            if not (column.plain and (value is None or isinstance(value, (str, int)))):
                value = f.get_db_prep_save(value, connection)
            links.append(PARAM)
            params.append(value)
        shape.append((type(row), h.ignore_conflicts, auto_pk, tuple(links)))
    with connection.cursor() as cursor:
        cursor.execute(_chain_sql(tuple(shape), tuple(channels)), params)
        ids = cursor.fetchone()
    for h, pk in zip(held, ids, strict=False):
        row = h.row
        if pk is not None:
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias
        for column, target in (h.ids or {}).items():
            setattr(row, column, target.pk)
        values = row.__dict__
        related = row._state.fields_cache
        for column in _columns(type(row)):
            if column.relation and values.get(column.attname) is None:
                target = related.get(column.cache_name)
                if target is not None:
                    setattr(row, column.attname, target.pk)
