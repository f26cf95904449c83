"""Keyset ("seek") pagination: the next page starts after the last row's sort key, so page 1,000
costs what page 1 costs, and rows added meanwhile never shift a page.

`order` is a list of (field, descending) pairs that ends in a unique field (the id). The cursor
is the last row's values, encoded opaquely for the URL.
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet
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


def _decode(cursor: str, order: Order, model: type[Model]) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != len(order):
        return None
    decoded = []
    for (field, _desc), value in zip(order, values, strict=True):
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


def _after(order: Order, values: list[Any]) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    for i, (field, desc) in enumerate(order):
        step = Q(**{f"{field}__{'lt' if desc else 'gt'}": values[i]})
        for j, (prev_field, _prev_desc) in enumerate(order[:i]):
            step &= Q(**{prev_field: values[j]})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet, *, order: Order, cursor: str | None, size: int) -> Page:
    ordering = [f"-{f}" if desc else f for f, desc in order]
    qs = queryset.order_by(*ordering)
    values = _decode(cursor, order, queryset.model) if cursor else None
    if values is not None:
        qs = qs.filter(_after(order, values))
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([getattr(last, f) for f, _desc in order])
    return Page(rows=rows, next_cursor=next_cursor, is_first=values is None)
