"""parse.py is pure: bytes in, a plain description out. Tables of what real mail does."""

import pytest

from escala.mail.parse import (
    automatic_kind,
    decode_bytes,
    decode_header_value,
    html_to_text,
    parse_mail,
    sanitize_html,
    strip_reply,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?q?Contrase=C3=B1a?=", "Contraseña"),
        ("=?ISO-8859-1?Q?Le=F3n?= y =?utf-8?B?w7E=?=", "León y ñ"),
        ("Re: =?UTF-8?Q?caf=C3=A9?=\n =?UTF-8?Q?_solo?=", "Re: café solo"),
        ("=?x-unknown?Q?abc?=", "abc"),
        ("plain text", "plain text"),
    ],
)
def test_header_values_decode_or_fall_back_without_raising(raw, expected):
    assert decode_header_value(raw) == expected


@pytest.mark.parametrize("raw", ["=?utf-8?B?!!!broken?=", "=?utf-8?Q?=FF=FE?=", "=?utf-8?Z?x?="])
def test_broken_encoded_words_give_some_text_and_never_raise(raw):
    assert isinstance(decode_header_value(raw), str)


def test_bytes_in_a_wrong_charset_fall_back_to_windows_1252():
    assert decode_bytes("acción".encode("latin-1"), "utf-8") == "acción"
    assert decode_bytes(b"\xff\xfe", "no-such-charset")  # something, never an error


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Gracias.\n\nOn Mon, 2 Mar 2026 at 9:00, Soporte <s@x> wrote:\n> hola", "Gracias."),
        ("Vale.\n\nEl lun, 2 mar 2026 a las 9:00, Soporte\n<s@x> escribió:\n> hola", "Vale."),
        ("Sí.\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold", "Sí."),
        ("Ok.\n\n________________________________\nDe: x\nEnviado: y\nPara: z\n", "Ok."),
        ("Listo.\n\n-- \nJuan\nCompras", "Listo."),
        ("Hecho.\n\nEnviado desde mi iPhone", "Hecho."),
        ("> only a quote", "> only a quote"),  # nothing new: keep everything
    ],
)
def test_quoted_history_and_signatures_are_stripped_from_replies(text, kept):
    assert strip_reply(text) == kept


def test_html_is_sanitized_and_has_a_text_version():
    html = '<p onclick="x()">Hola <a href="javascript:alert(1)">a</a><script>bad()</script></p>'
    clean = sanitize_html(html)
    assert "onclick" not in clean
    assert "javascript:" not in clean
    assert "bad()" not in clean
    assert html_to_text("<style>p{}</style><p>Uno</p><p>Dos</p>") == "Uno\n\nDos"


def test_a_mail_without_anything_still_parses():
    mail = parse_mail(b"")
    assert (mail.from_addr, mail.subject, mail.text) == ("", "", "")


def test_a_human_mail_is_not_automatic():
    mail = parse_mail(b"From: a@b.example\nSubject: Printer\nAuto-Submitted: no\n\nHi\n")
    assert automatic_kind(mail, "a@b.example") == ""
    assert automatic_kind(mail, "<>") == "bounce"
