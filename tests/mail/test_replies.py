"""Quote and signature stripping against the committed reply corpus (data/replies/).

Each case is a whole .eml as a client writes it; what a reader must see is in expected.json.
The figure printed is the exact-match accuracy; at least 95 % is required.
"""

import json

import pytest

from escala.mail.parse import parse_mail, reply_text

from .conftest import DATA

REPLIES = DATA / "replies"
EXPECTED = json.loads((REPLIES / "expected.json").read_text(encoding="utf-8"))


def _visible(name: str) -> str:
    return reply_text(parse_mail((REPLIES / f"{name}.eml").read_bytes()))


def test_the_reply_corpus_is_large_and_varied():
    assert len(EXPECTED) >= 80
    assert all((REPLIES / f"{name}.eml").exists() for name in EXPECTED)
    languages = {case["lang"] for case in EXPECTED.values()}
    assert {
        "es",
        "en",
        "pt",
        "fr",
        "de",
        "it",
        "nl",
        "ru",
        "pl",
        "sv",
        "da",
        "no",
        "fi",
    } <= languages
    styles = {case["style"] for case in EXPECTED.values()}
    assert {"top", "bottom", "interleaved"} <= styles
    clients = {case["client"] for case in EXPECTED.values()}
    assert {"gmail", "outlook", "apple_mail", "ios", "android", "thunderbird"} <= clients


def test_at_least_95_percent_of_the_replies_show_exactly_the_new_text(capsys):
    wrong = {
        name: _visible(name) for name, case in EXPECTED.items() if _visible(name) != case["visible"]
    }
    accuracy = 100 * (len(EXPECTED) - len(wrong)) / len(EXPECTED)
    with capsys.disabled():
        print(
            f"\nreply corpus: {len(EXPECTED) - len(wrong)}/{len(EXPECTED)} exact = {accuracy:.1f} %"
        )
    assert accuracy >= 95, sorted(wrong)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_new_is_ever_lost(name):
    """Weaker than exact, but for every case: the expected new text is inside what is shown."""
    assert EXPECTED[name]["visible"] in _visible(name)
