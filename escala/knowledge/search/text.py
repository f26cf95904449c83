"""Turning what a person typed into search terms, and marked snippets into safe HTML.

Both backends receive the same terms (letters and digits only, so nothing the user types can
reach the query syntax) and return text marked with START/STOP sentinels, which `to_html`
escapes and turns into <mark> elements.
"""

import html
import re
import unicodedata

from django.utils.safestring import SafeString, mark_safe

START, STOP = "\x02", "\x03"
MAX_TERMS = 16
MAX_TERM_LENGTH = 40

_WORD = re.compile(r"\w+", re.UNICODE)

# Words too common to say anything about a ticket; dropped when matching *any* term (similar
# tickets, suggestions). Both databases drop their own stop words when matching all terms.
_STOPWORDS_TEXT = """
    a al algo algun alguna ante antes aqui asi aun con contra cual cuando de del desde donde el
    ella ellos en entre era es esa ese eso esta este esto estoy fue ha hace hay hola la las le
    les lo los mas me mi mis muy nada ni no nos o os para pero poco por porque que se sea ser
    si sin sobre son su sus tambien te tengo tiene todo todos tu un una uno unos usted y ya yo
    gracias buenos dias saludos puedo puede about after again all also am an and any are as at
    be been before but by can cannot could did do does dont for from get got had has have hello
    hi how i if in into is it its just me my no not now of on or our please so some than thanks
    that the their them then there these they this to too up us was we were what when where
    which who why will with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(word: str) -> str:
    """Lower case without accents: "Contraseña" -> "contrasena"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(query: str, *, drop_stopwords: bool = False) -> list[str]:
    """The distinct words of `query`, lower-cased, in order, at most MAX_TERMS."""
    seen: list[str] = []
    for word in _WORD.findall((query or "").lower()):
        word = word.strip("_")
        if not word or len(word) > MAX_TERM_LENGTH:
            continue
        if drop_stopwords and (fold(word) in STOPWORDS or (len(word) < 3 and not word.isdigit())):
            continue
        if word not in seen:
            seen.append(word)
        if len(seen) >= MAX_TERMS:
            break
    return seen


_MARKDOWN_NOISE = re.compile(r"(^|\s)[#>*`_~|-]+|[*`_~]+(\s|$)|!?\[([^\]]*)\]\([^)]*\)")


def plain(markdown_text: str) -> str:
    """Markdown with the markup removed, good enough for a search snippet."""
    text = _MARKDOWN_NOISE.sub(lambda m: " " + (m.group(3) or "") + " ", markdown_text or "")
    return text.replace("**", "").replace("__", "").replace("`", "")


def to_html(marked: str | None) -> SafeString:
    """Escape everything, then turn the sentinels into <mark>…</mark>."""
    text = html.escape(marked or "")
    text = text.replace(START, "<mark>").replace(STOP, "</mark>")
    # A fragment cut by the database between START and STOP must not leave a tag open.
    opened, closed = text.count("<mark>"), text.count("</mark>")
    if opened > closed:
        text += "</mark>" * (opened - closed)
    return mark_safe(text)  # noqa: S308 - every character of user text was escaped above


def has_mark(marked: str | None) -> bool:
    return bool(marked) and START in marked
