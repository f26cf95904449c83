"""Mail addresses read strictly. PURE: no database, no settings.

An address is taken from the header's structure BEFORE any encoded word is decoded: a display
name is only ever a name. `=?utf-8?q?john=40example.com=3E?= <attacker@evil.example>` is
attacker@evil.example named "john@example.com>", never john (the CVE-2023-27043 family, which
`email.utils.parseaddr` of a decoded header falls for). Whatever is ambiguous yields no address
rather than a guess, and a display name never carries a control character.

Also: `clean_header_text` for any text that goes into an outgoing header (subjects, names) and
`is_clean_addr_spec`, the one check of an outgoing recipient.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry

# A dot-atom local part and a domain of at least two labels; letters of any script are allowed
# (SMTPUTF8), spaces, quotes, angle brackets, commas and controls never are.
_LOCAL = r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
_DOMAIN = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_][\w-]{0,62}"
ADDR_SPEC = re.compile(rf"{_LOCAL}@{_DOMAIN}")
_ANGLE = re.compile(r"<\s*([^<>\s\"(),;:]+@[^<>\s\"(),;:]+)\s*>")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?=")
_registry = HeaderRegistry()

MAX_ADDRESS = 254


@dataclass(frozen=True)
class Mailbox:
    name: str
    address: str  # lower-case


def is_clean_addr_spec(value: str) -> bool:
    """One bare address (no name, no list, no control or space), short enough for SMTP."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_ADDRESS
        and ADDR_SPEC.fullmatch(value) is not None
        and value.isprintable()
    )


def clean_header_text(value: object, limit: int = 998) -> str:
    """Text safe for an outgoing header: every control, line or paragraph separator and bidi
    override becomes a space (CR/LF can never start a new header); runs of spaces collapse."""
    text = str(value or "")
    # A printable string holds none of those (nor any other control or separator but the
    # space): it is kept as it is, without looking at each character.
    if not text.isprintable():
        text = "".join(" " if _unsafe(ch) else ch for ch in text)
    return re.sub(r"\s{2,}", " ", text).strip()[:limit]


def _unsafe(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Cc: controls (CR, LF, NUL, NEL...); Zl/Zp: line and paragraph separators; Cf: format
    # characters such as the bidi overrides that make a name read as something else.
    return category in ("Cc", "Zl", "Zp", "Cf")


def _unfold(raw: str) -> str:
    return re.sub(r"[\r\n]+[ \t]*", " ", raw).strip()


_COMMENT_NAME = re.compile(r"\(([^()]{1,200})\)\s*$")


def read_mailboxes(raw: str, decode_name) -> list[Mailbox]:  # noqa: ANN001  (decode_name: str -> str)
    """Every mailbox of one raw (undecoded) address header, in order, without duplicates.
    `decode_name` decodes a display name (encoded words, 8-bit bytes) once the address is known.
    An address that is not one clean addr-spec is left out."""
    text = _unfold(raw or "")
    if not text:
        return []
    found = _simple(text)
    if found is None:
        found = _structured(text)
    if found is None:
        found = _by_angle_brackets(text)
    out: list[Mailbox] = []
    seen: set[str] = set()
    for name, address in found:
        if not name and len(found) == 1 and (old := _COMMENT_NAME.search(text)):
            name = old.group(1)  # the old "addr (Name)" form: the address is known already
        address = address.strip().lower()
        if not is_clean_addr_spec(address) or address in seen:
            continue
        seen.add(address)
        out.append(Mailbox(clean_header_text(decode_name(name), 200).strip("\"' "), address))
    return out


# The forms nearly every mail uses, which the RFC 5322 parser below reads the same way without
# any defect: a bare ASCII address, or one `<address>` after a name of plain ASCII words (no
# quotes, encoded words, comments, commas or `@`). Read directly: the parser is the costliest
# step of reading a mail. Anything else goes to the parser.
_PLAIN_ADDR = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_SIMPLE = re.compile(rf"(?:(?P<name>[A-Za-z0-9]+(?: [A-Za-z0-9]+)*) )?<(?P<angle>{_PLAIN_ADDR})>")
_BARE = re.compile(_PLAIN_ADDR)


def _simple(text: str) -> list[tuple[str, str]] | None:
    """(name, address) of a header in one of the plain forms above; None for any other."""
    if _BARE.fullmatch(text):
        return [("", text)]
    found = _SIMPLE.fullmatch(text)
    if found is None:
        return None
    return [(found.group("name") or "", found.group("angle"))]


def _structured(text: str) -> list[tuple[str, str]] | None:
    """The standard library's RFC 5322 parser (email.headerregistry), which parses the
    structure first and decodes encoded words inside the display name only. None when it
    finds the header defective (e.g. an unquoted `@` in a name): the caller then reads it more
    conservatively instead of trusting a guess."""
    try:
        header = _registry("from", text)
    except Exception:  # noqa: BLE001  (a decoded name with CR/LF makes it raise)
        return None
    if header.defects:
        return None
    # The raw (still encoded) name is decoded by the caller's decoder, which knows 8-bit
    # headers; the parser's own decoding is used only to find the structure.
    return [
        (_raw_name_of(text, a.addr_spec) or a.display_name, a.addr_spec) for a in header.addresses
    ]


def _raw_name_of(text: str, addr: str) -> str:
    """The raw text before `<addr>` in a header holding one mailbox ('' otherwise)."""
    if text.count("<") != 1:
        return ""
    before, _sep, _after = text.partition("<")
    return before.strip() if addr.lower() in text.lower() else ""


def _by_angle_brackets(text: str) -> list[tuple[str, str]]:
    """A defective header: only an address in angle brackets counts, outside quoted strings,
    comments and encoded words (which are names). When there is none, the header must be one
    bare address and nothing else."""
    masked = _ENCODED_WORD.sub(" ", _QUOTED.sub(" ", _COMMENT.sub(" ", text)))
    angles = _ANGLE.findall(masked)
    if angles:
        name = text.partition("<")[0].strip() if len(angles) == 1 else ""
        return [(name, a) for a in angles]
    bare = masked.strip()
    if ADDR_SPEC.fullmatch(bare):
        return [("", bare)]
    return []
