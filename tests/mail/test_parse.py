"""parse.py is pure: bytes in, a plain description out. Tables of what real mail does."""

import pytest

from escala.mail.automatic import automatic_kind
from escala.mail.parse import (
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


# --- fidelity (issue #14): charsets, names, attached mails, uuencode, depth ---------------------


@pytest.mark.parametrize(
    ("data", "label", "expected"),
    [
        ("“Sí” – 5 €".encode("cp1252"), "iso-8859-1", "“Sí” – 5 €"),  # as browsers read it
        ("conexión".encode(), "iso-8859-1", "conexión"),  # valid UTF-8 wins over a legacy label
        ("recepción".encode() + b"\xff", "utf-8", "recepción\ufffd"),  # repaired per byte
        ("acción".encode("latin-1"), None, "acción"),
        ("Принтер не работает уже второй день".encode("koi8-r"), None, "Принтер не работает"),
        ("Принтер не работает уже второй день".encode("cp1251"), "us-ascii", "Принтер"),
        ("Zażółć gęślą jaźń, drukarka nie działa".encode("cp1250"), None, "drukarka nie działa"),
    ],
)
def test_text_is_decoded_by_the_rules_of_charsets_py(data, label, expected):
    assert expected in decode_bytes(data, label)


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        (
            "=?utf-8?Q?M=C3=BCller=2C_Hans?= <hans@kunde.example>",
            "Müller, Hans",
            "hans@kunde.example",
        ),
        ('"Pérez, Juan" <juan@x.example>', "Pérez, Juan", "juan@x.example"),
        ("juan@x.example (Juan)", "Juan", "juan@x.example"),
        (
            "=?utf-8?q?john=40example.com=3E?= <attacker@evil.example>",
            "john@example.com>",
            "attacker@evil.example",
        ),
    ],
)
def test_the_sender_address_is_read_before_the_name_is_decoded(header, name, address):
    mail = parse_mail(f"From: {header}\nSubject: x\n\nbody\n".encode())
    assert (mail.from_name, mail.from_addr) == (name, address)


def test_an_attached_mail_is_kept_as_eml_and_summarized():
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\nFrom: a@x.example\n\n--b\n'
        b"Content-Type: text/plain\n\nMine.\n--b\nContent-Type: message/rfc822\n\n"
        b"From: b@y.example\nSubject: Old one\nDate: Sun, 1 Mar 2026 10:00:00 +0100\n\n"
        b"Theirs.\n--b--\n"
    )
    mail = parse_mail(raw)
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("Old one.eml", "message/rfc822")
    ]
    assert b"Theirs." in mail.attachments[0].data
    assert mail.own_text == "Mine."
    assert "From: b@y.example\nDate: Sun, 1 Mar 2026 10:00:00 +0100\nSubject: Old one" in mail.text


def test_uuencoded_blocks_in_text_become_files():
    import binascii

    block = binascii.b2a_uu(b"hello world\n").decode()
    mail = parse_mail(
        f"From: a@x.example\n\nSee file.\n\nbegin 644 hi.txt\n{block}`\nend\n".encode()
    )
    assert mail.text == "See file."
    assert [(a.filename, a.data) for a in mail.attachments] == [("hi.txt", b"hello world\n")]


def test_leaf_text_below_the_depth_limit_is_kept_and_noted():
    depth = 80
    raw = (
        "From: a@x.example\n"
        + "".join(
            f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n' for i in range(depth)
        )
        + "Content-Type: text/plain\n\nDeep text.\n"
        + "".join(f"--n{i}--\n" for i in reversed(range(depth)))
    )
    mail = parse_mail(raw.encode())
    assert mail.text == "Deep text."
    assert any("read flat" in d for d in mail.defects)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("> q1\n\nanswer\n", "answer"),  # bottom-posted
        (
            "On 1/3/26, A wrote:\n> q1\n\na1\n\n> q2\n\na2",
            "On 1/3/26, A wrote:\n> q1\n\na1\n\n> q2\n\na2",
        ),
        ("Ok.\n\nW dniu 2.03.2026 o 09:15, Jan pisze:\n> x", "Ok."),
        ("Да.\n\n02.03.2026 09:15, Иван пишет:\n> x", "Да."),
        ("Ja.\n\nOp ma 2 mrt 2026 om 09:15 schreef Jan <j@x.example>:\n> x", "Ja."),
        ("Ja.\n\nDen 2026-03-02 kl. 09:15, skrev Sven:\n> x", "Ja."),
        ("Vâng.\n\nVào Th 2, 2 thg 3, 2026 vào lúc 09:15 An <a@x.example> đã viết:\n> x", "Vâng."),
        ("FYI.\n\n---------- Forwarded message ---------\nFrom: a <a@x>\nDate: now\n\nold", None),
    ],
)
def test_quote_headers_of_each_language_and_posting_style(text, kept):
    assert strip_reply(text) == (text.strip() if kept is None else kept)


def test_html_without_a_mime_charset_is_read_by_its_meta_charset():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    html += "</head><body>"
    raw = (
        b"From: a@x.example\nContent-Type: text/html\n\n"
        + html.encode()
        + "<p>Привет</p>".encode("koi8-r")
    )
    assert parse_mail(raw).text == "Привет"


def test_parse_and_strip_never_raise_on_damaged_corpus_mail():
    """Every corpus mail cut short and with bytes flipped: still parsed, still stripped."""
    import random

    from escala.mail.parse import reply_text

    from .conftest import DATA

    rng = random.Random(14)  # noqa: S311  (reproducible damage, not secrets)
    files = sorted(DATA.glob("*.eml")) + sorted((DATA / "replies").glob("*.eml"))
    for path in files:
        raw = path.read_bytes()[:20000]
        for _ in range(3):
            damaged = bytearray(raw[: rng.randrange(1, len(raw) + 1)])
            for _flip in range(5):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            mail = parse_mail(bytes(damaged))
            assert isinstance(reply_text(mail), str)
