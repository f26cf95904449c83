"""Cleaning rules for values that come from outside (forms, the API, mail, the admin), kept in
one place so every way in applies the same ones.

- `one_line(text)`: a subject, a name or any other one-line field. Line breaks, tabs and other
  control characters become a single space (Unicode categories Cc, and the line and paragraph
  separators), so nothing stored can break a mail header or a CSV row later. Flattening, not
  refusing: a subject pasted with a line break is still the subject the person meant.
- `has_control_characters(text)`: for validators that prefer to refuse.
- `parse_id(value)`: an id from a query string or a form field, or None: never an exception,
  never a number the database cannot hold (SQLite and PostgreSQL integers end at 2**63 - 1).
"""

from __future__ import annotations

import re
from typing import Any

MAX_DB_INT = 2**63 - 1

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators; also lone surrogates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")
_SPACES = re.compile(r"[ \u00a0]{2,}")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text or ""))


def one_line(text: str | None) -> str:
    """`text` with every run of control characters replaced by one space, trimmed."""
    if not text:
        return ""
    flat = _CONTROL.sub(" ", text)
    if flat != text:
        flat = _SPACES.sub(" ", flat)
    # Format characters (Cf) such as bidi overrides stay: names in Arabic or Hebrew need them.
    return flat.strip()


def parse_id(value: Any, *, minimum: int = 1, maximum: int = MAX_DB_INT) -> int | None:
    """A whole number between `minimum` and `maximum` written in ASCII digits, else None."""
    if value is None:
        return None
    raw = str(value).strip()
    if not raw or len(raw) > 20:
        return None
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("+-")
    if not digits.isascii() or not digits.isdigit():
        return None
    number = sign * int(digits)
    return number if minimum <= number <= maximum else None


# Every CharField of Escala's own models (and the user's names) is one line by definition; long
# text lives in TextFields. Flattening them on save is the safety net under the actions' own
# cleaning: the admin, a management command or a new code path cannot store a line break in a
# subject or a name that a mail header would later carry. Secrets are left exactly as typed.
_one_line_fields: dict[type, tuple[str, ...]] = {}


def _one_line_attnames(model: type) -> tuple[str, ...]:
    if model not in _one_line_fields:
        from django.db import models

        _one_line_fields[model] = tuple(
            f.attname
            for f in model._meta.concrete_fields  # type: ignore[attr-defined]
            if type(f) in (models.CharField, models.EmailField, models.SlugField)
            and "password" not in f.name
            and not f.choices
        )
    return _one_line_fields[model]


def flatten_one_line_fields(sender: type, instance: Any, raw: bool = False, **_: Any) -> None:
    """pre_save receiver: control characters in one-line text fields become a space."""
    if raw:
        return  # fixtures load exactly what they hold
    module = sender.__module__
    if not (module.startswith("escala.") or module == "django.contrib.auth.models"):
        return
    for name in _one_line_attnames(sender):
        value = getattr(instance, name, None)
        if isinstance(value, str) and _CONTROL.search(value):
            setattr(instance, name, one_line(value))
