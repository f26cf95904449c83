"""PostgreSQL backend: tsvector documents with GIN indexes (see migration 0002), queried with
the escala_es and escala_en configurations (Spanish/English stemmers after unaccent)."""

import re
from functools import lru_cache
from typing import Any

from django.db import connection

from escala.tickets.choices import DONE_STATUSES, OPEN_STATUSES
from escala.tickets.permissions import TicketScope

from .text import START, STOP

# Ranking is done over the most recent CANDIDATES matching rows: for a word present in a
# hundred thousand tickets, relevance among the newest few hundred is what a desk wants, and it
# keeps the cost of a search bounded however large the history grows.
CANDIDATES = 300

_HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=12, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)
_TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def _tsquery_text(terms: list[str], match: str) -> str:
    """The tsquery of both stemmers, as text: computed once, then passed as a constant."""
    # Stemming covers word forms; only the last word is a prefix (the one being typed).
    # Prefixes on every word made multi-word searches scan huge GIN posting lists at 1M tickets.
    joiner = " | " if match == "any" else " & "
    parts = [*terms[:-1], f"{terms[-1]}:*"] if terms else []
    return _build(joiner.join(parts))


@lru_cache(maxsize=512)
def _build(raw: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_BUILD, [raw, raw])
        return cursor.fetchone()[0] or ""


_BUILD = "SELECT (to_tsquery('escala_es', %s::text) || to_tsquery('escala_en', %s::text))::text"

# A prefix standing for more words than this stays a prefix (a letter or two typed so far).
EXPANSION_LIMIT = 64
_PREFIX = re.compile(r"'([^']+)':\*")


def _expanded(query: str) -> str:
    """`query` with each prefix ('bloqu':*) replaced by the index's words under it ('bloqu' |
    'bloqueo' | ...), the same matches (migration 0005 keeps the word list complete) but each
    word an entry the GIN index can intersect with the others instead of a bitmap it gathers
    in full first. Lexemes are letters and digits only (text.terms), so no quoting is needed."""

    def words(found: re.Match) -> str:
        prefix = found.group(1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM knowledge_ticket_lexeme WHERE word >= %s AND word < %s"
                " ORDER BY word LIMIT %s",
                [prefix, prefix + "\U0010ffff", EXPANSION_LIMIT + 1],
            )
            under = [row[0] for row in cursor.fetchall()]
        if len(under) > EXPANSION_LIMIT or any("'" in word for word in under):
            return found.group(0)
        if not under:
            return f"'{prefix}'"  # matches nothing, as the prefix would
        return "( " + " | ".join(f"'{word}'" for word in under) + " )"

    return _PREFIX.sub(words, query)


# The query is built once per search (see _tsquery_text) and passed as a constant.
_QUERY = "%s::tsquery"


def _headline(text_sql: str, title: bool = False) -> str:
    opts = _TITLE_HEADLINE if title else _HEADLINE
    es = f"ts_headline('escala_es', {text_sql}, {_QUERY}, %s)"
    en = f"ts_headline('escala_en', {text_sql}, {_QUERY}, %s)"
    return f"CASE WHEN strpos({es}, chr(2)) > 0 THEN {es} ELSE {en} END", opts


# The candidates are looked for in the newest tickets first: when a common word matches a
# hundred thousand tickets, the newest CANDIDATES of them are in the last few thousand ids, and
# reading only those (a bitmap AND of the GIN index and the id range) avoids fetching every
# match. A window that holds fewer than CANDIDATES matches widens; the last one is unbounded,
# so the answer is always the newest CANDIDATES matches, as without windows. In the first
# window the id index is walked backwards, testing each row against the query until CANDIDATES
# match: a common word ("factura", in one ticket in ten at a million tickets) stops after a few
# thousand rows (1 ms instead of 50 ms reading all its GIN matches or testing the whole window),
# and the window bounds the walk for a rarer word. In the wider windows the order is on
# `ticket_id + 0` so that the planner never walks far testing each row: the GIN index finds the
# matches (bench/scale_sql.py shows both).
WINDOWS = (20_000, 250_000, None)


def _key(name: str, value: object) -> str:
    """One of the index's `keys` (migration 0004 writes them: 'tier:3', 'status:open')."""
    return f"{name}:{value}"


def _scope_arms(visibility: TicketScope) -> list[tuple[str, list]] | None:
    """The user's visibility as conditions on the index row, any of which admits a ticket (one
    overlap of keys, in fact); None when every ticket is visible, [] when none is. The
    (keys, document) GIN index answers it together with the words, so matches out of scope are
    never read: they were the cost of a Level 1 search for what Level 2 handled."""
    if visibility.everything:
        return None
    keys = [_key("tier", pk) for pk in visibility.tier_ids]
    keys += [_key("team", pk) for pk in visibility.team_ids]
    if visibility.assignee_id:
        keys.append(_key("assignee", visibility.assignee_id))
    if visibility.organization_id:
        keys.append(_key("org", visibility.organization_id))
    if visibility.requester_id:
        keys.append(_key("req", visibility.requester_id))
    if visibility.participant_id:
        keys.append(_key("part", visibility.participant_id))
    return [("s.keys && %s::text[]", [keys])] if keys else []


def _filter_conditions(filters: dict[str, Any]) -> tuple[list[str], list]:
    """`filter_tickets` (search/__init__.py) on the index's own columns."""
    conds: list[str] = []
    params: list = []
    status = filters.get("status")
    if status in ("open", "done"):
        statuses = OPEN_STATUSES if status == "open" else DONE_STATUSES
        conds.append("s.keys && %s::text[]")
        params.append(sorted(_key("status", value) for value in statuses))
    elif status:
        conds.append("s.keys @> %s::text[]")
        params.append([_key("status", status)])
    for name, key in (("tier", "tier"), ("team", "team"), ("category", "cat")):
        if filters.get(name):
            conds.append("s.keys @> %s::text[]")
            params.append([_key(key, filters[name])])
    if filters.get("requester"):
        conds.append("s.keys @> %s::text[]")
        params.append([_key("req", filters["requester"])])
    if filters.get("created_after"):
        conds.append("s.created_at >= %s")
        params.append(filters["created_after"])
    if filters.get("open_or_since"):
        conds.append("(s.keys && %s::text[] OR s.created_at >= %s)")
        params += [sorted(_key("status", value) for value in OPEN_STATUSES)]
        params.append(filters["open_or_since"])
    return conds, params


def ticket_candidates(
    terms: list[str],
    *,
    match: str,
    include_notes: bool,
    scope: tuple[str, list] | None,
    visibility: TicketScope,
    filters: dict[str, Any],
    exclude: list[int],
    limit: int,
) -> list[tuple[int, float]]:
    """`scope` (the visible tickets as a subquery) is for SQLite; here `visibility` and
    `filters` are read from the index row itself. search_tickets still loads the hits through
    the visible tickets' queryset, so a row here can never show a ticket the user may not see."""
    q = _tsquery_text(terms, match)
    arms = _scope_arms(visibility)
    if not q or arms == []:
        return []
    found = _expanded(q)  # selects the rows; `q` ranks them (the same words match either way)
    docs = ["s.public_doc", "s.note_doc"] if include_notes else ["s.public_doc"]
    # A flat OR of (scope AND words) pairs: the planner answers each with one index scan.
    either: list[str] = []
    params: list = []
    for arm_sql, arm_params in arms or [("", [])]:
        for doc in docs:
            either.append(f"({doc} @@ {_QUERY} AND {arm_sql})" if arm_sql else f"{doc} @@ {_QUERY}")
            params += [found, *arm_params]
    conds = ["(" + " OR ".join(either) + ")"]
    more, more_params = _filter_conditions(filters)
    conds += more
    params += more_params
    if exclude:
        conds.append("NOT (s.ticket_id = ANY(%s))")
        params.append(list(exclude))
    cond = " AND ".join(conds)
    doc = "(c.public_doc || c.note_doc)" if include_notes else "c.public_doc"
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(ticket_id) FROM knowledge_ticket_search")
        newest = cursor.fetchone()[0] or 0
        for window in WINDOWS:
            floor = newest - window if window is not None else None
            if floor is not None and floor <= 0:
                continue
            bounded = f"{cond} AND s.ticket_id > %s" if floor is not None else cond
            order = "s.ticket_id" if window == WINDOWS[0] else "s.ticket_id + 0"
            # The newest matches first, as bare ids (a narrow sort), then the rank of those.
            sql = f"""
                SELECT c.ticket_id, ts_rank({doc}, {_QUERY}) AS rank
                  FROM knowledge_ticket_search c
                 WHERE c.ticket_id IN (
                       SELECT s.ticket_id
                         FROM knowledge_ticket_search s
                        WHERE {bounded}
                        ORDER BY {order} DESC
                        LIMIT {CANDIDATES})
            """  # noqa: S608 - only our own SQL fragments are interpolated; user text is a parameter
            cursor.execute(sql, [q, *params, *([floor] if floor is not None else [])])
            rows = cursor.fetchall()
            if len(rows) == CANDIDATES or floor is None:
                break
    ranked = sorted(((row[0], float(row[1])) for row in rows), key=lambda r: (-r[1], -r[0]))
    return ranked[:limit]


def ticket_snippets(
    ids: list[int], terms: list[str], *, match: str, include_notes: bool
) -> dict[int, tuple[str, str, str]]:
    if not ids:
        return {}
    q = _tsquery_text(terms, match)
    subject_sql, subject_opts = _headline("t.subject", title=True)
    public_sql, opts = _headline("coalesce(m.pub, '')")
    note_sql = "''"
    params: list = [q, subject_opts, q, subject_opts, q, subject_opts]
    params += [q, opts, q, opts, q, opts]
    if include_notes:
        note_sql, _opts = _headline("coalesce(m.notes, '')")
        params += [q, opts, q, opts, q, opts]
    sql = f"""
        SELECT t.id, {subject_sql}, {public_sql}, {note_sql}
          FROM tickets_ticket t
          LEFT JOIN LATERAL (
            SELECT string_agg(body, E'\\n' ORDER BY id) FILTER (WHERE kind = 'reply') AS pub,
                   string_agg(body, E'\\n' ORDER BY id) FILTER (WHERE kind <> 'reply') AS notes
              FROM tickets_message WHERE ticket_id = t.id
          ) m ON true
         WHERE t.id = ANY(%s)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(ids)])
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def article_candidates(
    terms: list[str], *, match: str, scope: tuple[str, list], limit: int
) -> list[tuple[int, float]]:
    q = _tsquery_text(terms, match)
    sql = f"""
        SELECT s.translation_id, ts_rank(s.doc, {_QUERY}) AS rank
          FROM knowledge_article_search s
         WHERE s.doc @@ {_QUERY} AND s.translation_id IN ({scope[0]})
         ORDER BY rank DESC, s.translation_id DESC
         LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [q, q, *scope[1], limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def article_snippets(
    ids: list[int], terms: list[str], *, match: str, bodies: dict[int, str]
) -> dict[int, tuple[str, str]]:
    """`bodies`: the plain text (Markdown removed) of each translation's body."""
    if not ids:
        return {}
    q = _tsquery_text(terms, match)
    title_sql, title_opts = _headline("t.title", title=True)
    body_sql, opts = _headline("b.body")
    params = [q, title_opts, q, title_opts, q, title_opts]
    params += [q, opts, q, opts, q, opts]
    values = ", ".join(["(%s::bigint, %s::text)"] * len(ids))
    value_params: list = []
    for pk in ids:
        value_params += [pk, bodies.get(pk, "")]
    sql = f"""
        SELECT t.id, {title_sql}, {body_sql}
          FROM knowledge_articletranslation t
          JOIN (VALUES {values}) AS b(id, body) ON b.id = t.id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *value_params])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
