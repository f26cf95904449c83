"""Raw bytes in, a plain description of the mail out. PURE: no database, no settings, no clock.

Real mail is messy: wrong or unknown charsets, broken encoded words, 8-bit headers, truncated
base64, forwards inside forwards, Outlook's winmail.dat. `parse_mail` never raises on bad input:
whatever cannot be decoded is replaced (U+FFFD) and noted in `defects`.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32

from . import addresses as strict
from .charsets import decode_bytes
from .htmltext import html_to_text, link_inline_images, sanitize_html
from .parts import clean_part_headers, eml_name, header_text, message_bytes, uudecode_blocks
from .quotes import strip_reply

__all__ = [  # also importable from here: the charset, HTML and quote helpers
    "decode_bytes",
    "html_to_text",
    "link_inline_images",
    "parse_mail",
    "sanitize_html",
    "strip_reply",
]

MAX_DEPTH = 40  # forwards inside forwards...: deeper parts are read flat (see _Collector.deep)
MAX_DEEP_PARTS = 2000  # parts read flat below MAX_DEPTH; the rest is noted in the text


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class DroppedAttachment:
    filename: str
    size: int
    reason: str


@dataclass
class ForwardedMail:
    """A mail attached to this one (`message/rfc822`): kept as a .eml file, summarized in text."""

    filename: str
    sender: str
    date: str
    subject: str
    text: str

    def summary(self) -> str:
        lines = [f"---------- Forwarded message ({self.filename}) ----------"]
        fields = (("From", self.sender), ("Date", self.date), ("Subject", self.subject))
        lines += [f"{label}: {value}" for label, value in fields if value]
        return "\n".join(lines) + ("\n\n" + self.text if self.text.strip() else "")


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> decoded value
    text: str = ""  # the whole text: the mail's own, then each attached mail's summary
    own_text: str = ""  # the mail's own text only (what quote stripping looks at)
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    dropped: list[DroppedAttachment] = field(default_factory=list)
    kept: list[ParsedAttachment] = field(default_factory=list)  # stored, in the order stored
    forwards: list[ForwardedMail] = field(default_factory=list)  # attached mails, kept as .eml
    is_delivery_report: bool = False
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


# --- charsets and headers ------------------------------------------------------------------------


def _raw_header_text(value: object) -> str:
    """compat32 gives str with surrogate escapes for raw 8-bit bytes: turn them into text."""
    if value is None:
        return ""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = decode_bytes(text.encode("utf-8", "surrogateescape"))
    return text


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?=")


def decode_header_value(value: object) -> str:
    """RFC 2047 encoded words (and the broken forms seen in the wild) to a clean one-line str."""
    text = _raw_header_text(value)
    if "=?" not in text and not any(c in text for c in "\r\n\t") and "  " not in text:
        return text.strip()  # most headers: nothing to decode, unfold or collapse
    if "=?" in text:
        try:
            # Some senders put encoded words inside quotes or glue them to text; help the decoder.
            prepared = _ENCODED_WORD.sub(lambda m: f" {m.group(0)} ", text)
            parts = decode_header(prepared)
            decoded = []
            for chunk, charset in parts:
                if isinstance(chunk, bytes):
                    decoded.append(decode_bytes(chunk, charset))
                else:
                    decoded.append(chunk)
            text = "".join(decoded) if len(parts) > 1 or parts[0][1] else text
        except Exception:  # noqa: BLE001, S110  (any failure: keep the raw text, never crash)
            pass
    text = re.sub(r"[\r\n]+[ \t]*", " ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


_MSGID = re.compile(r"<([^<>\s]{1,250})>")


def message_ids(value: object) -> list[str]:
    """All Message-IDs in a header (bare, without angle brackets)."""
    text = _raw_header_text(value)
    found = _MSGID.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [text.strip().strip("<>")]  # some clients forget the brackets
    return [m[:250] for m in found if "@" in m or len(m) > 8]


def header_message_id(raw: bytes) -> str:
    """The Message-ID of a raw mail, read from its headers only (cheap; never raises)."""
    return _message_id_of(_header_block(raw))


def _message_id_of(headers: EmailMessage | None) -> str:
    if headers is None:
        return ""
    try:
        ids = message_ids(headers.get("Message-ID", ""))
    except Exception:  # noqa: BLE001
        return ""
    return ids[0] if ids else ""


def _header_end(raw: bytes) -> int:
    found = _HEADER_END.search(raw, 0, 262144)
    return found.end() if found else len(raw)


def _header_block(raw: bytes, end: int | None = None) -> EmailMessage | None:
    """The mail's headers (compat32), parsed from the header block alone (at most 256 KiB):
    the body is never decoded to find them. None when they cannot be read."""
    end = _header_end(raw) if end is None else end
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(raw[: min(end, 262144)])
    except Exception:  # noqa: BLE001
        return None


def dedup_key(raw: bytes, message_id: str | None = None) -> str:
    """What makes two deliveries the same mail: the Message-ID (`header_message_id`, when the
    caller has it already) and the same content (`content_digest`). A different mail that reuses
    a Message-ID is a mail of its own, never dropped as a duplicate."""
    return message_id_and_dedup_key(raw, message_id)[1]


def message_id_and_dedup_key(raw: bytes, message_id: str | None = None) -> tuple[str, str]:
    """(`header_message_id`, `dedup_key`) of a raw mail, its headers parsed once for both."""
    end = _header_end(raw)
    headers = _header_block(raw, end)
    mid = _message_id_of(headers) if message_id is None else message_id
    digest = content_digest(raw, headers=headers, end=end).encode("ascii")
    if mid:
        key = hashlib.sha256(b"mid:" + mid.encode("utf-8", "replace") + b"\n" + digest)
        return mid, key.hexdigest()
    return mid, hashlib.sha256(b"raw:" + digest).hexdigest()


_DIGEST_HEADERS = ("from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DIGEST_CHUNK = 1 << 20


def content_digest(
    raw: bytes, *, headers: EmailMessage | None = None, end: int | None = None
) -> str:
    """SHA-256 of what stays the same when one mail is delivered twice: the headers its author's
    client wrote (not the trace headers each server adds on the way: Received, Delivered-To...)
    and the body, whatever the line endings. Reads the body in slices: no copy of the mail.
    `headers`, `end`: the header block already parsed by the caller (`_header_block`)."""
    if end is None:
        end = _header_end(raw)
        headers = _header_block(raw, end)
    digest = hashlib.sha256()
    try:
        if headers is None:
            raise ValueError("unreadable headers")
        for name in _DIGEST_HEADERS:
            for value in headers.get_all(name) or []:
                digest.update(f"{name}:{' '.join(str(value).split())}\n".encode("utf-8", "replace"))
    except Exception:  # noqa: BLE001  (unreadable headers: their bytes, as they are)
        digest.update(raw[:end])
    digest.update(b"\n")
    view = memoryview(raw)
    start, held = end, b""  # line ends at the end of a slice: counted only if text follows
    while start < len(raw):
        stop = min(start + _DIGEST_CHUNK, len(raw))
        if stop < len(raw) and raw[stop - 1 : stop] == b"\r":
            stop += 1  # keep a CRLF in one slice
        text = bytes(view[start:stop]).replace(b"\r\n", b"\n")
        body = text.rstrip(b"\n")
        if body:
            digest.update(held + body)
            held = text[len(body) :]
        else:
            held += text
        start = stop
    return digest.hexdigest()


def _mailboxes(values: list[object]) -> list[strict.Mailbox]:
    found: list[strict.Mailbox] = []
    for value in values:
        if value:
            found += strict.read_mailboxes(_raw_header_text(value), decode_header_value)
    return list({m.address: m for m in reversed(found)}.values())[::-1]  # first of each kept


def _addresses(values: list[object]) -> list[str]:
    return [m.address for m in _mailboxes(values)]


# --- the walk ----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
_UU_ENCODINGS = {"x-uuencode", "uuencode", "uue", "x-uue"}


def _payload_bytes(part: EmailMessage, mail: ParsedMail) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        mail.defects.append(f"undecodable payload: {exc}")
        data = None
    if data is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return data if isinstance(data, bytes) else bytes(data)


def _filename(part: EmailMessage) -> str:
    """The part's file name: RFC 2231 (`filename*=utf-8''...`, continuations), RFC 2047 encoded
    words, raw UTF-8 or legacy 8-bit bytes, Content-Type's `name` as the fallback."""
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        try:
            name = part.get_param("name", header="content-type")
        except Exception:  # noqa: BLE001
            name = None
        if isinstance(name, tuple):
            charset, _language, value = name
            name = decode_bytes(str(value).encode("latin-1", "replace"), charset or "utf-8")
    name = decode_header_value(name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    return re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name)[:200]


class _Collector:
    def __init__(self, mail: ParsedMail, max_attachment: int, *, forwarded: bool = False) -> None:
        self.mail = mail
        self.max_attachment = max_attachment
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.forwarded = forwarded  # inside an attached mail: its own .eml keeps nested ones

    def attachment(self, name: str, ctype: str, data: bytes, *, inline: bool, cid: str) -> None:
        if not name:
            ext = {"text/plain": ".txt", "text/html": ".html", "message/rfc822": ".eml"}.get(ctype)
            if ext is None:
                ext = mimetypes.guess_extension(ctype) or ".bin"
            name = f"{'inline' if inline else 'attachment'}-{len(self.mail.attachments) + 1}{ext}"
        if len(data) > self.max_attachment:
            self.mail.dropped.append(DroppedAttachment(name, len(data), "too_large"))
            return
        self.mail.attachments.append(ParsedAttachment(name, ctype, data, inline, cid))

    def walk(self, part: EmailMessage, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            self.deep(part)
            return
        try:
            self.part(part, depth)
        except RecursionError:
            raise
        except Exception as exc:  # noqa: BLE001  (one bad part never loses the others)
            self.mail.defects.append(f"unreadable part: {exc}")
            data = _payload_bytes(part, self.mail) if not part.is_multipart() else b""
            if data:
                self.attachment("", "application/octet-stream", data, inline=False, cid="")

    def part(self, part: EmailMessage, depth: int) -> None:
        view = clean_part_headers(part)
        ctype = (view.get_content_type() or "text/plain").lower()
        disposition = header_text(part, "Content-Disposition").split(";")[0].strip().lower()
        if ctype == "multipart/report":
            report = str(view.get_param("report-type") or "").lower()
            if report in ("delivery-status", "disposition-notification"):
                self.mail.is_delivery_report = True
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype in ("message/rfc822", "message/global"):
                for child in children:
                    self.forward(child, depth, _filename(view))
                return
            if ctype == "multipart/alternative":
                self.alternative(children, depth)
                return
            for child in children:
                self.walk(child, depth + 1)
            return
        if ctype in ("message/delivery-status", "message/disposition-notification"):
            self.mail.is_delivery_report = True
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # a multipart whose boundary never appears: its text is the body
        name = _filename(view)
        cid = header_text(part, "Content-ID").strip().strip("<>")[:200]
        encoding = header_text(part, "Content-Transfer-Encoding").strip().lower()
        if encoding in _UU_ENCODINGS:
            raw = part.get_payload()
            text, files = uudecode_blocks(raw if isinstance(raw, str) else "")
            for found_name, data in files:
                self.attachment(name or found_name, ctype, data, inline=False, cid=cid)
            if files:
                return
        data = _payload_bytes(part, self.mail)
        if (ctype == "application/ms-tnef" or name.lower() == "winmail.dat") and self.tnef(data):
            return
        if disposition != "attachment" and not name and ctype in ("text/plain", "text/html"):
            charset = view.get_content_charset()
            if not charset and ctype == "text/html":
                found = _META_CHARSET.search(data[:4096])
                charset = found.group(1).decode("ascii", "replace") if found else None
            text = decode_bytes(data, charset)
            if ctype == "text/plain":
                text, files = uudecode_blocks(text)
                for found_name, file_data in files:
                    guessed = mimetypes.guess_type(found_name)[0] or "application/octet-stream"
                    self.attachment(found_name, guessed, file_data, inline=False, cid="")
            (self.htmls if ctype == "text/html" else self.texts).append(text)
            return
        inline = disposition == "inline" or (bool(cid) and disposition != "attachment")
        self.attachment(name, ctype, data, inline=inline, cid=cid)

    def deep(self, part: EmailMessage) -> None:
        """Parts nested beyond MAX_DEPTH: their leaves are still read, flat and without
        recursion (alternatives lose their choice), and the flattening is noted."""
        self.mail.defects.append(f"parts nested more than {MAX_DEPTH} levels deep read flat")
        stack = [part]
        seen = 0
        while stack and seen < MAX_DEEP_PARTS:
            current = stack.pop()
            seen += 1
            if current.is_multipart():
                children = current.get_payload()
                if isinstance(children, list):
                    stack.extend(reversed([c for c in children if isinstance(c, EmailMessage)]))
                continue
            try:
                self.part(current, MAX_DEPTH)
            except Exception as exc:  # noqa: BLE001
                self.mail.defects.append(f"unreadable part: {exc}")
        if stack:
            self.texts.append(
                f"[{len(stack)} more nested parts were not read; the original mail is kept whole.]"
            )

    def alternative(self, children: list, depth: int) -> None:
        # Take the richest HTML and the plain text; both describe the same body.
        before_t, before_h = len(self.texts), len(self.htmls)
        for child in children:
            self.walk(child, depth + 1)
        if len(self.texts) - before_t > 1:
            del self.texts[before_t:-1]
        if len(self.htmls) - before_h > 1:
            del self.htmls[before_h:-1]

    def forward(self, inner: EmailMessage, depth: int, name: str) -> None:
        if not isinstance(inner, EmailMessage):
            return
        sub = _Collector(self.mail, self.max_attachment, forwarded=True)
        sub.walk(inner, depth + 1)
        body = "\n\n".join(t.strip("\n") for t in sub.texts if t.strip())
        if not body and sub.htmls:
            body = "\n\n".join(html_to_text(h) for h in sub.htmls)
        subject = decode_header_value(inner.get("Subject", ""))
        forwarded = ForwardedMail(
            filename="",
            sender=decode_header_value(inner.get("From", "")),
            date=decode_header_value(inner.get("Date", "")),
            subject=subject,
            text=body.replace("\r\n", "\n").strip(),
        )
        if self.forwarded:  # a forward inside a forward: its text, inside the outer .eml
            self.texts.append(forwarded.summary())
            return
        if not name.lower().endswith(".eml"):
            name = eml_name(subject, "forwarded")
        forwarded.filename = name
        self.attachment(name, "message/rfc822", message_bytes(inner), inline=False, cid="")
        self.mail.forwards.append(forwarded)

    def tnef(self, data: bytes) -> bool:
        try:
            from tnefparse import TNEF

            tnef = TNEF(data)
        except Exception as exc:  # noqa: BLE001
            self.mail.defects.append(f"unreadable winmail.dat: {exc}")
            return False
        for att in tnef.attachments:
            try:
                name = att.long_filename() or att.name or ""
            except Exception:  # noqa: BLE001
                name = ""
            name = decode_bytes(name) if isinstance(name, bytes) else str(name)
            payload = att.data if isinstance(att.data, bytes) else bytes(att.data or b"")
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.attachment(name.strip("\x00"), ctype, payload, inline=False, cid="")
        body = getattr(tnef, "body", None)
        html = getattr(tnef, "htmlbody", None)
        if body:
            self.texts.append(decode_bytes(body) if isinstance(body, bytes) else str(body))
        if html:
            self.htmls.append(decode_bytes(html) if isinstance(html, bytes) else str(html))
        return True


def parse_mail(raw: bytes, *, max_attachment_bytes: int = 10 * 1024 * 1024) -> ParsedMail:
    """Everything Escala needs from a raw mail. Never raises on malformed input."""
    mail = ParsedMail()
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception as exc:  # noqa: BLE001
        mail.defects.append(f"unparseable: {exc}")
        mail.text = decode_bytes(raw)
        return mail
    # Raw stored values (compat32 would wrap 8-bit ones in Header objects that lose the bytes).
    raw_headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        raw_headers.setdefault(name.lower(), []).append(value)

    def get_all(name: str) -> list[str]:
        return raw_headers.get(name.lower(), [])

    for key, values in raw_headers.items():
        mail.headers[key] = decode_header_value(values[0])[:2000]
    mail.message_id = (message_ids((get_all("Message-ID") or [""])[0]) or [""])[0]
    mail.in_reply_to = message_ids(" ".join(get_all("In-Reply-To")))
    mail.references = message_ids(" ".join(_raw_header_text(v) for v in get_all("References")))
    mail.subject = mail.headers.get("subject", "")
    # Addresses come from the raw headers' structure, never from a decoded display name.
    senders = _mailboxes(get_all("From"))
    if senders:
        mail.from_name, mail.from_addr = senders[0].name, senders[0].address
    if len(senders) > 1 or len(get_all("From")) > 1:
        mail.defects.append("MultipleFromAddresses")
    reply_to = _addresses(get_all("Reply-To"))
    mail.reply_to = reply_to[0] if reply_to else ""
    mail.to = _addresses(get_all("To"))
    mail.cc = _addresses(get_all("Cc"))
    mail.delivered_to = _addresses(get_all("Delivered-To") + get_all("X-Original-To"))
    mail.defects.extend(type(d).__name__ for d in msg.defects)
    collector = _Collector(mail, max_attachment_bytes)
    try:
        collector.walk(msg)
    except Exception as exc:  # noqa: BLE001  (a body we cannot walk is read flat, part by part)
        mail.defects.append(f"unwalkable body: {exc}")
        collector = _Collector(mail, max_attachment_bytes)
        mail.attachments.clear()
        mail.forwards.clear()
        collector.deep(msg)
    html = "\n".join(collector.htmls)
    mail.html = sanitize_html(html) if html.strip() else ""
    own = "\n\n".join(t.strip("\n") for t in collector.texts if t.strip())
    if not own and html:
        own = html_to_text(html)
    mail.own_text = _clean_text(own)
    summaries = [f.summary() for f in mail.forwards]
    mail.text = _clean_text("\n\n".join([own, *summaries]))
    return mail


def reply_text(mail: ParsedMail) -> str:
    """What a reply shows: its own new text (quotes and signature stripped), then a summary of
    each mail it attached. The whole mail stays on the stored InboundMail."""
    own = mail.own_text if (mail.own_text or mail.forwards) else mail.text
    parts = [strip_reply(own) if own.strip() else "", *(f.summary() for f in mail.forwards)]
    return "\n\n".join(part for part in parts if part.strip())


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\x00", "").strip()
