"""One rule for the name of every stored file (mail attachments, TNEF contents, uploads). PURE.

A name comes from a stranger: it may carry NUL (PostgreSQL refuses it in text), control
characters, bidirectional overrides that show `invoice‮fdp.exe` as `invoiceexe.pdf`, zero-width
characters, path separators, names a Windows download would treat as a device, or be thousands of
bytes long. `clean_filename` keeps what a person would read and drops the rest.
"""

from __future__ import annotations

import unicodedata

# What a name keeps at most: in characters (what the pages show) and in UTF-8 bytes (what a file
# system takes per path component, 255, less room for a suffix the storage may add).
MAX_CHARS = 150
MAX_BYTES = 200
# Characters Windows refuses in names, and separators of every file system.
_REPLACED = set('/\\:*?"<>|')
_WINDOWS_DEVICES = {
    "con", "prn", "aux", "nul", "clock$",
    *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)),
}  # fmt: skip
# Unicode categories dropped: control (Cc), format (Cf: bidi marks, embeddings, overrides and
# isolates U+200E/F, U+202A-E, U+2066-9, U+061C; zero-width characters; the BOM), surrogates,
# and line/paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in _DROPPED_CATEGORIES:
        return ""
    if ch in _REPLACED:
        return "_"
    if category == "Zs":
        return " "  # no-break and other spaces read as a space
    return ch


def clean_filename(name: object, *, fallback: str = "attachment") -> str:
    """A safe display and storage name for `name` (never empty: `fallback` when nothing is left).

    Only the last path component is kept ("../../etc/passwd" -> "passwd"); dropped characters
    are those of `_DROPPED_CATEGORIES`; `/ \\ : * ? " < > |` become "_"; spaces are collapsed;
    leading dots and trailing dots and spaces go (hidden files, Windows); a Windows device name
    gets a "_" in front; the result is at most MAX_CHARS characters and MAX_BYTES UTF-8 bytes,
    cut in the stem so the extension stays."""
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name or "")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    text = "".join(_clean_char(ch) for ch in text)
    text = " ".join(text.split())
    text = text.lstrip(". ").rstrip(". ")
    if not text:
        return fallback
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if stem.split(".")[0].lower() in _WINDOWS_DEVICES:
        text = "_" + text
        stem = "_" + stem
    return _shorten(text, stem, ext) if _too_long(text) else text


def _too_long(text: str) -> bool:
    return len(text) > MAX_CHARS or len(text.encode("utf-8")) > MAX_BYTES


def _shorten(text: str, stem: str, ext: str) -> str:
    """Cut the stem, keeping an extension of reasonable length."""
    if not stem or len(ext) > 16:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    stem = stem[:MAX_CHARS]
    while stem and _too_long(stem + suffix):
        stem = stem[:-1]
    stem = stem.rstrip(". ")
    return (stem or "file") + suffix
