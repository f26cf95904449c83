"""PURE: which names an internal note mentions."""

import pytest

from escala.notifications.mentions import MAX_MENTIONS, find


@pytest.mark.parametrize(
    ("body", "usernames", "names"),
    [
        ("@iker can you look?", {"iker"}, set()),
        ("Ask @Iker, then @lucia.", {"iker", "lucia"}, set()),
        ('cc @"Dolores Fuertes" please', set(), {"dolores fuertes"}),
        ('@"  María   José "', set(), {"maría josé"}),
        ("mail ana@example.com about it", set(), set()),
        ("no mention here", set(), set()),
        ('@"unterminated name', set(), set()),
        ("@ alone", set(), set()),
        ("(@nuria)", {"nuria"}, set()),
    ],
)
def test_mentions_are_read_from_handles_and_quoted_names(body, usernames, names):
    found = find(body)
    assert (found.usernames, found.names) == (usernames, names)


def test_a_note_naming_everyone_is_capped():
    found = find(" ".join(f"@user{i}" for i in range(500)))
    assert len(found.usernames) == MAX_MENTIONS


def test_a_quoted_name_never_spans_lines():
    assert not find('@"Ana\nGarcía"').names
