"""SQLite backend: FTS5 tables (unicode61 tokenizer, diacritics removed; see migration 0002),
ranked with bm25. Terms match as prefixes, which stands in for stemming."""

from typing import Any

from django.db import connection

from .text import START, STOP


def _expression(terms: list[str], match: str, columns: str | None = None) -> str:
    joiner = " OR " if match == "any" else " AND "
    expr = joiner.join(f'"{t}"*' for t in terms)
    if columns:
        return f"{{{columns}}} : ({expr})"
    return expr


def ticket_candidates(
    terms: list[str],
    *,
    match: str,
    include_notes: bool,
    scope: tuple[str, list] | None,
    exclude: list[int],
    limit: int,
    **_index_side: Any,
) -> list[tuple[int, float]]:
    """`scope`: the visible, filtered tickets as a subquery (PostgreSQL's `visibility` and
    `filters`, read from its own index rows, are not needed at SQLite's sizes)."""
    expr = _expression(terms, match, None if include_notes else "subject public_text")
    cond = "knowledge_ticket_fts MATCH %s"
    params: list = [expr]
    if scope is not None:
        cond += f" AND rowid IN ({scope[0]})"
        params += list(scope[1])
    if exclude:
        cond += f" AND rowid NOT IN ({', '.join(['%s'] * len(exclude))})"
        params += list(exclude)
    sql = f"""
        SELECT rowid, bm25(knowledge_ticket_fts, 10.0, 4.0, 2.0) AS score
          FROM knowledge_ticket_fts WHERE {cond}
         ORDER BY score, rowid DESC LIMIT %s
    """  # noqa: S608 - only our own SQL fragments are interpolated; user text is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]


def ticket_snippets(
    ids: list[int], terms: list[str], *, match: str, include_notes: bool
) -> dict[int, tuple[str, str, str]]:
    if not ids:
        return {}
    expr = _expression(terms, match, None if include_notes else "subject public_text")
    notes = (
        f"snippet(knowledge_ticket_fts, 2, '{START}', '{STOP}', ' … ', 24)"
        if include_notes
        else "''"
    )
    sql = f"""
        SELECT rowid,
               highlight(knowledge_ticket_fts, 0, '{START}', '{STOP}'),
               snippet(knowledge_ticket_fts, 1, '{START}', '{STOP}', ' … ', 24),
               {notes}
          FROM knowledge_ticket_fts
         WHERE knowledge_ticket_fts MATCH %s AND rowid IN ({", ".join(["%s"] * len(ids))})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [expr, *ids])
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def article_candidates(
    terms: list[str], *, match: str, scope: tuple[str, list], limit: int
) -> list[tuple[int, float]]:
    sql = f"""
        SELECT rowid, bm25(knowledge_article_fts, 5.0, 1.0) AS score
          FROM knowledge_article_fts
         WHERE knowledge_article_fts MATCH %s AND rowid IN ({scope[0]})
         ORDER BY score, rowid DESC LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [_expression(terms, match), *scope[1], limit])
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]


def article_snippets(
    ids: list[int], terms: list[str], *, match: str, bodies: dict[int, str]
) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    sql = f"""
        SELECT rowid,
               highlight(knowledge_article_fts, 0, '{START}', '{STOP}'),
               snippet(knowledge_article_fts, 1, '{START}', '{STOP}', ' … ', 24)
          FROM knowledge_article_fts
         WHERE knowledge_article_fts MATCH %s AND rowid IN ({", ".join(["%s"] * len(ids))})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [_expression(terms, match), *ids])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
