"""Grow a demo database to N tickets set-wise inside PostgreSQL (`escala demo_scale`).

`escala demo --tickets 1000000` plays each ticket's story in Python and took over two hours on a
loaded machine. Measuring the console at a million tickets needs the same data, not new stories:
this clones the tickets already there (round after round) with everything the models keep per
ticket, in a few INSERT ... SELECT statements, so a million tickets take minutes.

Each clone is a copy of one existing ticket, moved back in time by a random jitter (at most
`jitter`, default three hours): every date of the ticket and of its rows moves together, so its
history, clocks and facts stay as consistent as the original's. Clones get new ids in the order
of their new creation time (ids and dates grow together, as in real life, from the old highest
id on). Per ticket it copies: messages, events, tier stays, vendor cases, participants, SLA
clocks (and the ticket's `sla_due_at`), report facts and tier times, surveys and the tiers they
name, and the search index row (same words, same keys: the text is the same). A reference to
another ticket (parent, merged into, a message's original ticket) points at that ticket's clone
in the same round. Requesters, agents, articles, problems and the rest of the organization are
shared, not cloned; nor are attachments (files on disk: the demo has none) or events waiting
for the relay. Day and week summaries are added up again from the facts at the end.

Rows are written with `session_replication_role = replica`, which skips triggers (the search
index is copied, not recomputed) and foreign-key checks (every reference is built here), so the
command needs a superuser connection. Secondary indexes of the filled tables are dropped and
built again afterwards (faster than maintaining them row by row), all in one transaction: an
interrupted run leaves the database as it was. Meant for demo and benchmark databases with no
traffic: the tables are locked while it runs.
"""

# The statements are assembled from model metadata and this module's own names; the few values
# (counts, the seed) are parameters: no input reaches the SQL text.
# ruff: noqa: S608

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from escala.reports.models import TicketFact, TierTimeFact
from escala.sla.models import TicketClock
from escala.surveys.models import Survey
from escala.tickets.models import (
    Message,
    Ticket,
    TicketEvent,
    TicketParticipant,
    TierStay,
    VendorCase,
)

SEARCH_TABLE = "knowledge_ticket_search"  # raw SQL, not a model (knowledge migration 0002)


@dataclass
class Child:
    """A table with rows per ticket. `base` names the map's column holding the first new id of
    each clone's rows (tables whose ids other cloned rows refer to, or that are simply kept in
    order); tables without one (a primary key that is the ticket) need none."""

    model: type[models.Model]
    base: str | None
    overrides: dict[str, str] = field(default_factory=dict)


# In the order they are written; a row's new id is its clone's base plus its rank among the
# rows of the original ticket (by id), so references between cloned rows can be computed.
CHILDREN = [
    Child(Message, "b_message"),
    Child(
        TicketEvent,
        "b_event",
        # A reply's event names its message (the demo's extras): the clone's own message.
        {
            "data": """CASE WHEN x.data ? 'message_id' THEN jsonb_set(x.data, '{message_id}',
                to_jsonb(coalesce((SELECT m.b_message + mr.rank FROM fill_rank_message mr
                    WHERE mr.id = (x.data->>'message_id')::bigint AND mr.ticket_id = x.ticket_id),
                    (x.data->>'message_id')::bigint))) ELSE x.data END"""
        },
    ),
    Child(TierStay, "b_tierstay"),
    Child(VendorCase, "b_vendorcase"),
    Child(TicketParticipant, "b_participant"),
    Child(TicketClock, "b_clock"),
    Child(TicketFact, None),
    Child(TierTimeFact, "b_tiertime"),
    Child(
        Survey,
        "b_survey",
        {
            "resolution_id": """m.b_event + (SELECT er.rank FROM fill_rank_event er
                WHERE er.id = x.resolution_id)""",
            # The nonce signs the survey's link: each survey its own (random, not a copy).
            "nonce": "replace(gen_random_uuid()::text, '-', '')",
        },
    ),
]
RANKED = {  # the rank tables the overrides above read
    TicketEvent: "fill_rank_event",
    Message: "fill_rank_message",
    Survey: "fill_rank_survey",
}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _shifted_epoch(column: str) -> str:
    return f"x.{column} + floor(extract(epoch FROM m.shift))::bigint"


def _select(model: type[models.Model], child: Child | None) -> tuple[list[str], list[str]]:
    """The columns of `model` and, for each, the expression that fills it for a clone: dates
    moved by the clone's shift, the ticket and other tickets mapped to their clones."""
    columns, exprs = [], []
    overrides = dict(child.overrides) if child else {}
    if model is TierTimeFact:
        overrides["open_since_epoch"] = _shifted_epoch("open_since_epoch")
    for f in model._meta.concrete_fields:
        col = f.column
        columns.append(_q(col))
        if col in overrides:
            exprs.append(overrides[col])
        elif f.primary_key and model is Ticket:
            exprs.append("m.new")
        elif f.primary_key and child and child.base:
            exprs.append(f"m.{child.base} + r.rank")
        elif f.is_relation and f.related_model is Ticket:
            if child and col == "ticket_id":
                exprs.append("m.new")
            else:  # another ticket: its clone of the same round (or itself, past the last)
                exprs.append(
                    f"CASE WHEN x.{col} IS NULL THEN NULL ELSE coalesce((SELECT o.new FROM "
                    f"fill_map o WHERE o.src = x.{col} AND o.round = m.round), x.{col}) END"
                )
        elif isinstance(f, models.DateTimeField):
            exprs.append(f"x.{col} + m.shift")
        else:
            exprs.append(f"x.{col}")
    return columns, exprs


def _exec(sql: str, params: list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _one(sql: str, params: list | None = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _rank_table(child: Child) -> str:
    return RANKED.get(child.model, f"fill_rank_{child.base}")


def _build_map(need: int, jitter_s: float, seed: float) -> None:
    """fill_map: one row per clone: its source ticket, round, time shift, new id and, per
    child table, the first id of its rows."""
    _exec("SELECT setseed(%s)", [seed])
    _exec(
        "CREATE TEMP TABLE fill_src ON COMMIT DROP AS SELECT id, created_at,"
        " (row_number() OVER (ORDER BY id) - 1)::int AS i FROM tickets_ticket"
    )
    sources = _one("SELECT count(*) FROM fill_src")
    top = _one("SELECT coalesce(max(id), 0) FROM tickets_ticket")
    counts, bases = [], []
    for child in CHILDREN:
        if not child.base:
            continue
        table = child.model._meta.db_table
        rank = _rank_table(child)
        _exec(
            f"CREATE TEMP TABLE {rank} ON COMMIT DROP AS SELECT id, ticket_id,"
            f" (row_number() OVER (PARTITION BY ticket_id ORDER BY id) - 1)::int AS rank"
            f" FROM {_q(table)}"
        )
        _exec(f"CREATE INDEX ON {rank} (id)")
        _exec(f"ANALYZE {rank}")
        first = _one(f"SELECT coalesce(max(id), 0) + 1 FROM {_q(table)}")
        counts.append(
            f"LEFT JOIN (SELECT ticket_id, count(*) AS n FROM {rank} GROUP BY ticket_id)"
            f" {child.base} ON {child.base}.ticket_id = c.src"
        )
        n = f"coalesce({child.base}.n, 0)"
        bases.append(
            f"{int(first)} + sum({n}) OVER w - {n} AS {child.base}"  # type: ignore[call-overload]
        )
    # Clones in the order of their new creation time; each round clones every source once.
    _exec(
        f"""CREATE TEMP TABLE fill_map ON COMMIT DROP AS
        WITH clones AS (
            SELECT s.id AS src, (g / %(sources)s)::int AS round,
                   make_interval(secs => -random() * %(jitter)s) AS shift, s.created_at
              FROM generate_series(0, %(need)s - 1) g
              JOIN fill_src s ON s.i = g %% %(sources)s
        ), c AS (
            SELECT src, round, shift,
                   %(top)s + row_number() OVER (ORDER BY created_at + shift, src, round) AS new
              FROM clones
        )
        SELECT c.*, {", ".join(bases)}
          FROM c {" ".join(counts)}
        WINDOW w AS (ORDER BY c.new)""",
        {"sources": sources, "jitter": jitter_s, "need": need, "top": top},
    )
    _exec("CREATE INDEX ON fill_map (src, round)")
    _exec("ANALYZE fill_map")


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """Indexes of `tables` that no constraint owns (those stay): (name, definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid)
                 FROM pg_index x
                 JOIN pg_class i ON i.oid = x.indexrelid
                 JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY i.relname""",
            [tables],
        )
        return list(cursor.fetchall())


def _write_tickets() -> int:
    columns, exprs = _select(Ticket, None)
    return _exec(
        f"INSERT INTO tickets_ticket ({', '.join(columns)}) SELECT {', '.join(exprs)}"
        " FROM fill_map m JOIN tickets_ticket x ON x.id = m.src ORDER BY m.new"
    )


def _write_child(child: Child) -> int:
    table = child.model._meta.db_table
    columns, exprs = _select(child.model, child)
    if child.base:
        source = f"{_rank_table(child)} r JOIN {_q(table)} x ON x.id = r.id"
        on, order = "m.src = r.ticket_id", "1"
    else:
        source, on, order = f"{_q(table)} x", "m.src = x.ticket_id", "m.new"
    return _exec(
        f"INSERT INTO {_q(table)} ({', '.join(columns)}) SELECT {', '.join(exprs)}"
        f" FROM fill_map m JOIN {source} ON {on} ORDER BY {order}"
    )


def _write_survey_tiers() -> int:
    through = Survey.tiers_visited.through._meta.db_table
    return _exec(
        f"INSERT INTO {_q(through)} (survey_id, supporttier_id)"
        f" SELECT m.b_survey + r.rank, v.supporttier_id"
        f" FROM {_q(through)} v JOIN fill_rank_survey r ON r.id = v.survey_id"
        f" JOIN fill_map m ON m.src = r.ticket_id ORDER BY 1, v.id"
    )


def _write_search() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position",
            [SEARCH_TABLE],
        )
        found = cursor.fetchall()
    columns, exprs = [], []
    for name, kind in found:
        columns.append(_q(name))
        if name == "ticket_id":
            exprs.append("m.new")
        elif kind.startswith("timestamp"):
            exprs.append(f"x.{_q(name)} + m.shift")
        else:
            exprs.append(f"x.{_q(name)}")
    return _exec(
        f"INSERT INTO {SEARCH_TABLE} ({', '.join(columns)}) SELECT {', '.join(exprs)}"
        f" FROM fill_map m JOIN {SEARCH_TABLE} x ON x.ticket_id = m.src ORDER BY m.new"
    )


def tables() -> list[str]:
    through = Survey.tiers_visited.through._meta.db_table
    return [
        Ticket._meta.db_table,
        *[c.model._meta.db_table for c in CHILDREN],
        through,
        SEARCH_TABLE,
    ]


TEMP_TABLES = ("fill_src", "fill_map", "fill_rank_message", "fill_rank_event", "fill_rank_survey")
SETTINGS = {
    "session_replication_role": "replica",  # no triggers, no foreign-key checks
    "work_mem": "256MB",
    "maintenance_work_mem": "512MB",
    "synchronous_commit": "off",
}


def scale_to(
    total: int,
    *,
    jitter_hours: float = 3.0,
    seed: float = 0.2026,
    progress: Callable[[str], None] = lambda step: None,
) -> int:
    """Clone tickets until there are `total`; returns how many were added."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("demo_scale works on PostgreSQL only")
    have = Ticket.objects.count()
    need = total - have
    if need <= 0 or have == 0:
        return 0
    filled = tables()
    if connection.in_atomic_block:  # a caller's transaction (tests): its checks are due now,
        _exec("SET CONSTRAINTS ALL IMMEDIATE")  # as PostgreSQL alters no table with some pending
    with transaction.atomic():
        before = {name: _one(f"SHOW {name}") for name in SETTINGS}
        for name, value in SETTINGS.items():
            _exec(f"SET LOCAL {name} = '{value}'")
        _build_map(need, jitter_hours * 3600, seed)
        progress(f"map of {need:,} clones")
        indexes = _secondary_indexes(filled)
        for name, _definition in indexes:
            _exec(f"DROP INDEX {_q(name)}")
        progress(f"{len(indexes)} secondary indexes dropped")
        progress(f"tickets: {_write_tickets():,} rows")
        for child in CHILDREN:
            progress(f"{child.model._meta.db_table}: {_write_child(child):,} rows")
        progress(f"survey tiers: {_write_survey_tiers():,} rows")
        progress(f"search index: {_write_search():,} rows")
        for _name, definition in indexes:
            _exec(definition)
        progress(f"{len(indexes)} indexes built again")
        _reset_sequences(filled)
        # Within a caller's transaction (tests) SET LOCAL and ON COMMIT DROP would outlive us.
        for table in [t for t in TEMP_TABLES if t != "fill_src"] + [
            _rank_table(c) for c in CHILDREN if c.base and c.model not in RANKED
        ]:
            _exec(f"DROP TABLE IF EXISTS {table}")
        _exec("DROP TABLE fill_src")
        for name, value in before.items():
            _exec(f"SET LOCAL {name} = '{value}'")
    # The planner's statistics; VACUUM also marks pages all-visible for index-only scans.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    for table in filled:
        _exec(f"{command} {_q(table)}")
    progress("statistics")
    from escala.reports import rollups

    rollups.rebuild()
    progress("day and week summaries")
    return need


def _reset_sequences(filled: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in filled:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id') FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s AND column_name = 'id'",
                [table, table],
            )
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute(
                    f"SELECT setval(%s, coalesce((SELECT max(id) FROM {_q(table)}), 1))",
                    [row[0]],
                )
