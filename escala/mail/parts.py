"""Helpers for the MIME walk of parse.py. PURE, and none of them raises on bad input.

- `clean_part_headers`: a part's Content-Type/Content-Disposition as text even when they hold
  raw 8-bit bytes (a raw UTF-8 filename), which compat32 hands back as `Header` objects that
  its own parameter parsing cannot read.
- `uudecode_blocks`: `begin 644 name ... end` blocks inside text, as files.
- `message_bytes`: the bytes of a forwarded `message/rfc822` part, to keep it as a .eml file.
"""

from __future__ import annotations

import binascii
import re
from email.message import Message as EmailMessage
from email.policy import compat32

from .charsets import decode_bytes

_PARAM_HEADERS = ("content-type", "content-disposition")


def _text(value: object) -> str:
    """A header value as text: surrogate-escaped raw bytes are decoded (UTF-8 first)."""
    text = str(value if value is not None else "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = decode_bytes(text.encode("utf-8", "surrogateescape"))
    return re.sub(r"[\r\n]+[ \t]*", " ", text)


def clean_part_headers(part: EmailMessage) -> EmailMessage:
    """The part itself when its MIME headers are plain text, else a copy of just those headers
    with the raw bytes decoded, on which `get_filename()`, `get_param()`... work."""
    raw = [(name, value) for name, value in part.raw_items() if name.lower() in _PARAM_HEADERS]
    if all(isinstance(value, str) and value.isascii() for _name, value in raw):
        return part
    view = EmailMessage(policy=compat32)
    for name, value in raw:
        view[name] = _text(value)
    return view


def header_text(part: EmailMessage, name: str) -> str:
    """One header of a part as plain text (never a `Header` object, never raises)."""
    for key, value in part.raw_items():
        if key.lower() == name.lower():
            return _text(value)
    return ""


_UU_BEGIN = re.compile(r"^begin(?:-base64)? +([0-7]{3,4}) +(\S.*?)\s*$", re.MULTILINE)


def _uu_line(line: bytes) -> bytes:
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        # Some encoders pad badly: decode just the bytes the length character announces.
        if not line:
            return b""
        nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
        try:
            return binascii.a2b_uu(line[:nbytes])
        except binascii.Error:
            return b""


def uudecode_blocks(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The text without its uuencoded blocks, and those blocks as (filename, data). A `begin`
    line without a matching `end` within the text is left alone (it was not uuencode)."""
    if "begin " not in text:
        return text, []
    files: list[tuple[str, bytes]] = []
    out: list[str] = []
    position = 0
    for found in _UU_BEGIN.finditer(text):
        if found.start() < position:
            continue
        end = re.compile(r"^end\s*$", re.MULTILINE).search(text, found.end())
        if end is None:
            break
        body = text[found.end() : end.start()].strip("\r\n").splitlines()
        if not body or not all(_looks_uu(line) for line in body):
            continue
        data = b"".join(_uu_line(line.encode("latin-1", "replace")) for line in body)
        name = found.group(2).replace("\\", "/").rsplit("/", 1)[-1]
        files.append((name, data))
        out.append(text[position : found.start()])
        position = end.end()
    if not files:
        return text, []
    out.append(text[position:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n"), files


def _looks_uu(line: str) -> bool:
    line = line.rstrip("\r")
    return len(line) <= 90 and all(32 <= ord(ch) <= 96 for ch in line)


def message_bytes(inner: EmailMessage) -> bytes:
    """A forwarded mail as the bytes of a .eml file (its raw 8-bit bytes kept as they came)."""
    for render in (
        lambda: inner.as_bytes(policy=compat32),
        lambda: inner.as_string(policy=compat32).encode("utf-8", "surrogateescape"),
    ):
        try:
            return render()
        except Exception:  # noqa: BLE001, PERF203, S112
            continue
    return b""


def eml_name(subject: str, fallback: str) -> str:
    """A file name for a forwarded mail, from its subject."""
    base = re.sub(r"[\x00-\x1f\x7f<>:\"/\\|?*\u202a-\u202e\u2066-\u2069]", "_", subject).strip()
    base = re.sub(r"\s+", " ", base).strip(" .")[:80]
    return f"{base or fallback}.eml"
