"""No NUL in anything stored as text. PostgreSQL refuses U+0000 in text columns, so a NUL in a
subject, a display name, a header or a filename would fail the mail's transaction (and every
retry of it). PURE."""

from __future__ import annotations

from dataclasses import fields

from .parse import ParsedMail


def no_nul(text: str) -> str:
    return text.replace("\x00", "") if "\x00" in text else text


def _clean(value: object) -> object:
    if isinstance(value, str):
        return no_nul(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {no_nul(k): _clean(v) for k, v in value.items()}
    return value


def scrub_nul(mail: ParsedMail) -> ParsedMail:
    """Every text of the parsed mail (and of its attachments' names) without NUL, in place."""
    for f in fields(mail):
        value = getattr(mail, f.name)
        if f.name in ("attachments", "dropped", "kept"):
            for item in value:
                item.filename = no_nul(item.filename)
                if hasattr(item, "content_type"):
                    item.content_type = no_nul(item.content_type)
                    item.content_id = no_nul(item.content_id)
            continue
        setattr(mail, f.name, _clean(value))
    return mail
