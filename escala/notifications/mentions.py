"""PURE: who an internal note mentions. `@username` or `@"Full Name"`; nothing else is read.

An address such as ana@example.com is no mention (the @ must start a word), a name in quotes
may hold spaces and accents but no line break, and the result is lower-cased for matching
(usernames and names are compared without case)."""

import re
from dataclasses import dataclass, field

# Django usernames: letters, digits and @ . + - _ ; a mention ends at the first other character
# (so "@ana," and "@ana." mention "ana"), and a trailing dot is punctuation, not the name's.
_HANDLE = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})", re.UNICODE)
_QUOTED = re.compile(r'(?<![\w@])@"([^"\r\n]{1,150})"', re.UNICODE)
MAX_MENTIONS = 50  # a note naming the whole company is not 500 notifications


@dataclass
class Mentions:
    usernames: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.usernames or self.names)


def _norm_name(text: str) -> str:
    return " ".join(text.split()).casefold()


def find(body: str) -> Mentions:
    found = Mentions()
    if not body or "@" not in body:
        return found
    for match in _QUOTED.finditer(body):
        name = _norm_name(match.group(1))
        if name and len(found.names) < MAX_MENTIONS:
            found.names.add(name)
    without_quoted = _QUOTED.sub(" ", body)
    for match in _HANDLE.finditer(without_quoted):
        handle = match.group(1).rstrip(".-").casefold()
        if handle and len(found.usernames) < MAX_MENTIONS:
            found.usernames.add(handle)
    return found


def norm_name(text: str) -> str:
    """A person's full name as `find` returns quoted names."""
    return _norm_name(text)
