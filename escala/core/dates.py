"""Dates written as Django's `date` filter writes them, for pages that write many (issue #20).

`django.utils.dateformat.format` splits the format with a regular expression on every call and
reads each month's name and "a.m."/"p.m." through the catalogues (a lazy string, the
thread-local language); the desk's ticket page wrote some ten dates per request that way. Here
a format is split once per process, and those words are read once per language; every format
character is still Django's own method (`DateFormat`), so the text is the same. A date that is
not a datetime, and a format that needs the time zone's name or offset, are Django's as before.
"""

from datetime import datetime, time

from django.utils import dateformat, formats
from django.utils.dates import MONTHS, MONTHS_AP
from django.utils.translation import get_language

# The format characters whose methods read the DateFormat's time zone (set up in its __init__).
_ZONED = frozenset("eIOTZrU")
MAX_KEPT = 256  # format strings: a handful per language; all dropped beyond

_pieces: dict[str, tuple[tuple[str | None, str], ...] | None] = {}
_words: dict[str | None, dict[str, tuple[str, ...]]] = {}


def _words_now() -> dict[str, tuple[str, ...]]:
    language = get_language()
    if (found := _words.get(language)) is None:
        found = _words[language] = {
            # Django's own words, through its own method (its catalogue, not ours).
            "ampm": tuple(dateformat.TimeFormat(time(h)).a() for h in (0, 12)),
            "months": ("", *(str(MONTHS[m]) for m in range(1, 13))),
            "months_ap": ("", *(str(MONTHS_AP[m]) for m in range(1, 13))),
        }
    return found


class _Format(dateformat.DateFormat):
    """Django's DateFormat with the translated words read once per language. Made without
    __init__ (only `data` is read by the methods a kept format uses)."""

    def __init__(self, value: datetime) -> None:  # noqa: D107 - see the class
        self.data = value
        self.timezone = None

    def a(self) -> str:
        return _words_now()["ampm"][self.data.hour > 11]

    def F(self) -> str:  # noqa: N802 - Django's format character
        return _words_now()["months"][self.data.month]

    def N(self) -> str:  # noqa: N802 - Django's format character
        return _words_now()["months_ap"][self.data.month]


def _split(fmt: str) -> tuple[tuple[str | None, str], ...] | None:
    """(method, "") for a format character, (None, text) for the text between: as
    dateformat.Formatter.format reads the format. None when a character needs the time zone."""
    pieces: list[tuple[str | None, str]] = []
    for i, piece in enumerate(dateformat.re_formatchars.split(fmt)):
        if i % 2:
            if piece in _ZONED:
                return None
            pieces.append((piece, ""))
        elif piece:
            pieces.append((None, dateformat.re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


def format(value: datetime, fmt: str) -> str:  # noqa: A001 - as dateformat.format
    """dateformat.format(value, fmt)."""
    if type(value) is not datetime:
        return dateformat.format(value, fmt)
    try:
        pieces = _pieces[fmt]
    except KeyError:
        if len(_pieces) >= MAX_KEPT:
            _pieces.clear()
        pieces = _pieces[fmt] = _split(str(fmt))
    if pieces is None:
        return dateformat.format(value, fmt)
    df = _Format(value)
    return "".join([text if name is None else str(getattr(df, name)()) for name, text in pieces])


def date_format(value: datetime, format_name: str) -> str:
    """formats.date_format(value, format_name): a named format ("SHORT_DATETIME_FORMAT") of the
    active language."""
    return format(value, formats.get_format(format_name))
