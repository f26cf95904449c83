"""Initials avatars: a person's initials on a colour picked from their name.

No pictures are stored or fetched (no third-party avatar service learns who our requesters
are); the same name always gets the same colour, so a requester is recognisable across the
queue, the ticket page and the search."""

import unicodedata
import zlib
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colours are classes (avatar-c0 ... avatar-c9 in find.css): the CSP allows no inline style.
COLOURS = 10


def initials(name: str) -> str:
    """Up to two letters: the first and last word's initials ("Marta Gómez Ruiz" -> "MR")."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in name or "").split() if w]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return unicodedata.normalize("NFC", letters).upper()


def colour(name: str) -> int:
    return zlib.crc32((name or "").strip().lower().encode()) % COLOURS


def avatar_html(name: str, *, size: str = "") -> SafeString:
    """The avatar's markup; decorative (aria-hidden): the name is always written beside it."""
    classes = f"avatar avatar-c{colour(name)}" + (f" avatar-{escape(size)}" if size else "")
    return mark_safe(  # noqa: S308 - initials and size are escaped, the colour is a number
        f'<span class="{classes}" aria-hidden="true">{escape(initials(name))}</span>'
    )
