"""Bytes of mail text to str, the way a careful reader would. PURE: no database, no settings.

The rules, in order (see docs/decisions/0006-mail-fidelity-and-quotes.md):
1. Labels are read as browsers read them (WHATWG Encoding): iso-8859-1, latin1 and us-ascii
   mean windows-1252, gb2312 means gb18030, and so on. Outlook writes “smart quotes” and € in
   text it labels iso-8859-1; a strict ISO decoder would turn them into C1 controls.
2. Valid UTF-8 that holds non-ASCII text is UTF-8, whatever a legacy single-byte label says
   (real ISO/Windows text essentially never forms valid multi-byte UTF-8 sequences).
3. A part labelled UTF-8 that holds a few invalid bytes is still UTF-8: the bad bytes become
   U+FFFD, in that part only. Only when the part has no valid multi-byte sequence at all is it
   mislabelled legacy text, and is detected like undeclared text.
4. Undeclared (or unknown-label) 8-bit text: windows-1252 when that reads as plausible
   Western text, else charset-normalizer among the legacy charsets mail really uses (KOI8-R,
   windows-1251, central European, Greek, Turkish, Baltic).
Nothing here raises on any input.
"""

from __future__ import annotations

import codecs
import re

# WHATWG Encoding labels that differ from Python's reading of the same name.
_ALIASES = {
    "": "",
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
    "charset": "",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "cp-850": "cp850",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
# Single-byte families where rule 2 (valid UTF-8 wins) applies.
_LEGACY_SINGLE_BYTE = re.compile(r"^(cp12\d\d|iso8859-\d+|koi8-[ru]|mac-\w+|cp874|cp8\d\d)$")
# What charset-normalizer may choose among for undeclared text (windows-1252 is tried first).
DETECTABLE = [
    "cp1251",
    "koi8_r",
    "koi8_u",
    "cp1250",
    "iso8859_2",
    "cp1253",
    "cp1254",
    "cp1257",
]  # Hebrew, Arabic and Thai mail declares its charset; as candidates they mislead short texts
_DETECT_LIMIT = 64 * 1024  # bytes looked at by the detector: enough, and bounded in time
# Non-ASCII punctuation that plain Western text uses; anything else glued inside a word is odd.
_WESTERN_MARKS = set("“”‘’‚„–—…€«»¡¿°·©®ºª±×÷§¶•\u00a0\u2009\u202f")


def codec_for(charset: str | None) -> str:
    """The Python codec for a MIME charset label ("" when undeclared or unknown)."""
    name = (charset or "").strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _utf8_shape(data: bytes) -> tuple[int, int]:
    """(valid multi-byte sequences, invalid bytes) when read as UTF-8."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    valid = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return valid, invalid


def looks_western(text: str) -> bool:
    """Does windows-1252 output read like Western European text (not Cyrillic in disguise)?"""
    letters = 0
    accented = 0
    previous = " "
    for index, ch in enumerate(text):
        if ch.isalpha():
            letters += 1
            if ord(ch) > 127:
                accented += 1
        elif ord(ch) > 127 and ch not in _WESTERN_MARKS and ch != "\ufffd":
            following = text[index + 1 : index + 2]
            if previous.isalpha() and following.isalpha():
                return False  # "dzia³a": a symbol inside a word
        previous = ch
    return letters == 0 or accented / letters <= 0.3


def detect(data: bytes) -> str:
    """Legacy 8-bit text with no usable label: windows-1252 when plausible, else detected."""
    western = data.decode("cp1252", errors="replace")
    if looks_western(western):
        return western
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:_DETECT_LIMIT], cp_isolation=DETECTABLE).best()
    except Exception:  # noqa: BLE001  (a detector failure falls back to windows-1252)
        best = None
    if best is None:
        return western
    return data.decode(best.encoding, errors="replace")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes of one part (or one header) to text by the rules above; never an error."""
    if not data:
        return ""
    codec = codec_for(charset)
    if codec and codec != "utf-8":
        if _LEGACY_SINGLE_BYTE.match(codec) and not data.isascii():
            valid, invalid = _utf8_shape(data)
            if valid and not invalid:
                return data.decode("utf-8")
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None:
            if codec == "cp1252" and not looks_western(text):
                return detect(data)  # "iso-8859-1" that is really KOI8-R or windows-1251
            return text
        if not _LEGACY_SINGLE_BYTE.match(codec):
            return data.decode(codec, errors="replace")
        return detect(data)
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    valid, invalid = _utf8_shape(data)
    if valid and valid >= invalid:
        # Real UTF-8 with a few damaged bytes: replace those, keep the rest.
        return data.decode("utf-8", errors="replace")
    return detect(data)
