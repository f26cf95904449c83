"""Keyset ("seek") pagination: the next page starts after the last row's sort key, so page 1,000
costs what page 1 costs, and rows added meanwhile never shift a page.

`order` is a list of (field, descending) pairs that ends in a unique field (the id). The cursor
is the last row's values, encoded opaquely for the URL. Fields named in `nulls_last` may be
NULL; those rows come after every other value, in both databases (SQLite would put them first).
"""

import base64
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.utils.dateparse import parse_datetime

Order = Sequence[tuple[str, bool]]


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    is_first: bool


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(
    cursor: str, order: Order, model: type[Model], nulls_last: Collection[str] = ()
) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != len(order):
        return None
    decoded = []
    for (field, _desc), value in zip(order, values, strict=True):
        if value is None and field in nulls_last:
            decoded.append(None)
            continue
        try:
            internal = model._meta.get_field(field).get_internal_type()
        except Exception:  # an annotation (e.g. a rank), not a model field  # noqa: BLE001
            internal = "IntegerField"
        if internal == "DateTimeField":
            if not isinstance(value, str) or (value := parse_datetime(value)) is None:
                return None
        elif internal.endswith(("IntegerField", "AutoField")):
            if not isinstance(value, int) or isinstance(value, bool):
                return None
        elif not isinstance(value, str):
            return None
        decoded.append(value)
    return decoded


def _after(order: Order, values: list[Any], nulls_last: Collection[str] = ()) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    for i, (field, desc) in enumerate(order):
        if values[i] is None:  # nothing comes after NULL but other NULLs (equality, below)
            continue
        step = Q(**{f"{field}__{'lt' if desc else 'gt'}": values[i]})
        if field in nulls_last:
            step |= Q(**{f"{field}__isnull": True})
        for j, (prev_field, _prev_desc) in enumerate(order[:i]):
            if values[j] is None:
                step &= Q(**{f"{prev_field}__isnull": True})
            else:
                step &= Q(**{prev_field: values[j]})
        condition |= step
    return condition


def keyset_page(
    queryset: QuerySet,
    *,
    order: Order,
    cursor: str | None,
    size: int,
    nulls_last: Collection[str] = (),
) -> Page:
    ordering: list[Any] = [
        (F(f).desc(nulls_last=True) if desc else F(f).asc(nulls_last=True))
        if f in nulls_last
        else (f"-{f}" if desc else f)
        for f, desc in order
    ]
    qs = queryset.order_by(*ordering)
    values = _decode(cursor, order, queryset.model, nulls_last) if cursor else None
    if values is not None:
        qs = qs.filter(_after(order, values, nulls_last))
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([getattr(last, f) for f, _desc in order])
    return Page(rows=rows, next_cursor=next_cursor, is_first=values is None)
