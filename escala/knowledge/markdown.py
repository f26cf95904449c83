"""Article Markdown to HTML, safely: raw HTML in the source is not rendered, and the result is
cleaned once more with an allow-list (nh3), so an article can never carry a script."""

import re
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def render(markdown_text: str) -> SafeString:
    html = _parser().render(markdown_text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - cleaned by nh3 with an allow-list just above


_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")


def plain_text(markdown_text: str) -> str:
    """An article's Markdown as the plain text of a reply or a mail: headings and emphasis marks
    dropped, lists and paragraphs kept as written."""
    text = _HEADING.sub("", markdown_text or "")
    return _EMPHASIS.sub(r"\2", text)
