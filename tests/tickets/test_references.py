"""The one reader of ticket references: the forms agents type, and what names no ticket."""

import pytest

from escala.core.inputs import MAX_DB_INT
from escala.tickets.models import format_reference
from escala.tickets.references import parse_reference


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("321", 321),
        ("000321", 321),
        ("#321", 321),
        (" # 321 ", 321),
        ("ESC-000321", 321),
        ("esc-321", 321),
        ("Esc-000321", 321),
        ("ESC 321", 321),
        ("ESC321", 321),
        (" ESC - 000321\t", 321),
        ("#ESC-000321", 321),
        ("ESC#321", 321),
        (str(MAX_DB_INT), MAX_DB_INT),
        ("0" * 60 + "1", 1),  # within the length cap: still one number
    ],
)
def test_a_reference_is_read_in_the_ways_agents_write_it(typed, number):
    assert parse_reference(typed) == number


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "   ",
        "0",
        "ESC-000000",
        "#",
        "ESC-",
        "ESC",
        "-5",
        "+5",
        "ESC--5",
        "3 21",
        "printer 321",
        "321 printer",
        "ESC-321-2",
        "ESC-ESC-321",
        "OTRO-321",  # another desk's prefix
        "12.5",
        "1e3",
        "0x1F",
        "３２１",  # full-width digits: not ASCII
        "٣٢١",  # Arabic-Indic digits
        "321\x00",
        "321\n<script>",
        str(MAX_DB_INT + 1),
        "9" * 30,
        "#" + "0" * 100 + "1",  # beyond the length cap: a search, not a reference
    ],
)
def test_anything_else_names_no_ticket(typed):
    assert parse_reference(typed) is None


def test_the_configured_prefix_is_the_one_read(settings):
    settings.ESCALA_TICKET_PREFIX = "HD"
    assert parse_reference("HD-000042") == 42
    assert parse_reference("hd 42") == 42
    assert parse_reference("ESC-000042") is None


def test_what_format_reference_writes_reads_back(settings):
    for number in (1, 42, 999_999, 1_000_000, 123_456_789):
        assert parse_reference(format_reference(number)) == number
        assert parse_reference(format_reference(number).lower()) == number
