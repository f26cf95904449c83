"""PURE: the ticket a person names by its reference, as agents type it.

The one reader of ticket numbers (the console's search box, the queue's search, the merge and
link forms); `models.format_reference` writes them. Accepted, in any case and with spaces
around: "ESC-000321", "ESC 321", "ESC321", "#321", "# 321", "#ESC-321" and "321", where ESC
is settings.ESCALA_TICKET_PREFIX. Anything else (another prefix, words, a sign, non-ASCII
digits, a number no ticket id can be) names no ticket: None.
"""

import re
from functools import lru_cache

from django.conf import settings

from escala.core.inputs import parse_id

MAX_TYPED = 64  # longer text is a search, not a reference


@lru_cache(maxsize=4)
def _pattern(prefix: str) -> re.Pattern[str]:
    # re.ASCII: \d and \s are ASCII only ("３２１" is not a number here).
    return re.compile(
        rf"#?\s*(?:{re.escape(prefix)}\s*[-#]?\s*)?0*(\d{{1,19}})",
        re.ASCII | re.IGNORECASE,
    )


def parse_reference(text: str | None) -> int | None:
    """The ticket id `text` names by its reference or number, or None."""
    raw = (text or "").strip()
    if not raw or len(raw) > MAX_TYPED:
        return None
    found = _pattern(settings.ESCALA_TICKET_PREFIX).fullmatch(raw)
    return parse_id(found[1]) if found else None
