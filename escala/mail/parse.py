"""Raw bytes in, a plain description of the mail out. PURE: no database, no settings, no clock.

Real mail is messy: wrong or unknown charsets, broken encoded words, 8-bit headers, truncated
base64, forwards inside forwards, Outlook's winmail.dat. `parse_mail` never raises on bad input:
whatever cannot be decoded is replaced (U+FFFD) and noted in `defects`.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr
from html import escape
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3

MAX_DEPTH = 12  # forwards inside forwards inside forwards...

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


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
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    dropped: list[DroppedAttachment] = field(default_factory=list)
    kept: list[ParsedAttachment] = field(default_factory=list)  # stored, in the order stored
    is_delivery_report: bool = False
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


# --- charsets and headers ------------------------------------------------------------------------

_CHARSET_ALIASES = {
    "": "utf-8",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "unknown": "utf-8",
    "default": "utf-8",
    "ascii": "utf-8",  # 8-bit text labelled ascii is common; utf-8 is a superset
    "us-ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "cp-850": "cp850",
    "utf8": "utf-8",
}


def _codec(charset: str | None) -> str:
    name = (charset or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset, else UTF-8, else Windows-1252, never an error."""
    codec = _codec(charset)
    for candidate in (codec, "utf-8"):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    if codec == "utf-8":
        # Undeclared 8-bit text: Windows-1252 is what such mail almost always is.
        return data.decode("cp1252", errors="replace")
    return data.decode(codec, errors="replace")


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
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:262144])
        ids = message_ids(headers.get("Message-ID", ""))
    except Exception:  # noqa: BLE001
        return ""
    return ids[0] if ids else ""


def dedup_key(raw: bytes, message_id: str | None = None) -> str:
    """What makes two deliveries the same mail: the Message-ID (`header_message_id`, when the
    caller has it already) and the same content (`content_digest`). A different mail that reuses
    a Message-ID is a mail of its own, never dropped as a duplicate."""
    mid = header_message_id(raw) if message_id is None else message_id
    digest = content_digest(raw).encode("ascii")
    if mid:
        return hashlib.sha256(b"mid:" + mid.encode("utf-8", "replace") + b"\n" + digest).hexdigest()
    return hashlib.sha256(b"raw:" + digest).hexdigest()


_DIGEST_HEADERS = ("from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DIGEST_CHUNK = 1 << 20


def content_digest(raw: bytes) -> str:
    """SHA-256 of what stays the same when one mail is delivered twice: the headers its author's
    client wrote (not the trace headers each server adds on the way: Received, Delivered-To...)
    and the body, whatever the line endings. Reads the body in slices: no copy of the mail."""
    found = _HEADER_END.search(raw, 0, 262144)
    end = found.end() if found else len(raw)
    digest = hashlib.sha256()
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[: min(end, 262144)])
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


def _addresses(values: list[object]) -> list[str]:
    texts = [decode_header_value(v) for v in values if v]
    out = []
    for _name, addr in getaddresses(texts):
        addr = addr.strip().lower()
        if "@" in addr and addr not in out:
            out.append(addr[:254])
    return out


# --- HTML ----------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001
        return re.sub(r"<[^>]*>", " ", html)
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


_CID_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")cid:([^"]*)(")', re.IGNORECASE)


def link_inline_images(html: str, urls: dict[str, str]) -> str:
    """Point the sanitized HTML's `cid:` images at the stored attachments (`urls`: Content-ID,
    lower case, -> URL on this site, which the strict CSP's img-src 'self' allows). A cid with no
    stored image loses its src: the browser would refuse the scheme anyway."""

    def swap(found: re.Match[str]) -> str:
        url = urls.get(unquote(found.group(2)).strip("<>").lower(), "")
        return f"{found.group(1)}{escape(url)}{found.group(3)}"

    return _CID_SRC.sub(swap, html) if "cid:" in html.lower() else html


# --- quoted history and signatures ----------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^(On|El|Le|Am|Il|Em|Op)\b.{0,300}\b(wrote|escribió|a écrit|schrieb|ha scritto|escreveu|"
    r"schreef)\s*:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Mensaje original|Ursprüngliche Nachricht|Message d.origine|"
    r"Forwarded message|Mensaje reenviado)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK = re.compile(r"^\s*\**(From|De|Von|Da)\**\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(Sent|Enviado|Date|Fecha|Gesendet|Envoyé|To|Para|Subject|Asunto)\**\s*:", re.I
)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(Sent from my |Enviado desde mi |Get Outlook for |Obtener Outlook para |"
    r"Sent from Mail for Windows|Enviado desde Correo para Windows|Sent from Yahoo Mail)",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The new part of a reply: quoted history and signatures removed. Never returns less than
    something: when stripping would leave nothing, the original text is kept."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = stripped + " " + lines[i + 1].strip() if i + 1 < len(lines) else stripped
        if (
            _ORIGINAL.match(stripped)
            or _ATTRIBUTION.match(stripped)
            or (_ATTRIBUTION.match(joined) and not stripped.startswith(">"))
            or line.rstrip("\n") in ("-- ", "--")
            or _MOBILE_SIGNATURE.match(stripped)
            or (re.match(r"^_{20,}$", stripped) and _next_is_header(lines, i + 1))
            or (_HEADER_BLOCK.match(stripped) and _next_is_header(lines, i + 1))
        ):
            cut = i
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()


def _next_is_header(lines: list[str], start: int) -> bool:
    return any(_HEADER_NEXT.match(line) for line in lines[start : start + 4])


# --- loops -----------------------------------------------------------------------------------

_VACATION_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|respuesta autom[aá]tica|"
    r"fuera de la oficina|ausente|abwesenheit|r[ée]ponse automatique|absence|vacation|"
    r"vacaciones|auto:|autoreply|autorespuesta)",
    re.IGNORECASE,
)


_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery (status notification \((failure|delay)\)|failure|"
    r"has failed|failed|notification)|mail delivery (failed|failure|subsystem)|returned mail|"
    r"failure notice|message not delivered|non[- ]?remis|no se (ha )?pod(ido|r[aá]) entregar|"
    r"mensaje no entregado|unzustellbar|nicht zustellbar|onbestelbaar|mancata consegna|"
    r"não (foi )?entregue)",
    re.IGNORECASE,
)
_DAEMONS = {"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mdaemon"}
# RFC 3834 and the markers auto-responders really set (docs/decisions/0006-mail-limits.md):
# Auto-Submitted other than "no"; these headers with any value but "no"/"false"; Precedence:
# auto_reply; Microsoft's X-Auto-Response-Suppress only with an auto-reply subject.
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autorespond-message", "x-autogenerated")
_NOT_SET = {"", "no", "false", "0"}


def automatic_kind(mail: ParsedMail, envelope_from: str | None = None) -> str:
    """ "bounce", "auto_reply" (machine markers: dropped wherever it threads), "bulk" (Precedence
    bulk/junk/list, or only a vacation-like subject: a person's reply to a ticket is kept, a new
    mail is not filed) or "" (a person wrote it)."""
    if mail.is_delivery_report:
        return "bounce"
    sender = mail.from_addr.split("@")[0].lower()
    null_sender = envelope_from is not None and envelope_from.strip() in ("", "<>")
    return_path = mail.header("return-path").strip()
    if sender in _DAEMONS and (
        null_sender or return_path in ("<>", "") or _BOUNCE_SUBJECT.match(mail.subject)
    ):
        return "bounce"
    auto_submitted = mail.header("auto-submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto_reply"
    if mail.header("precedence").strip().lower() == "auto_reply":
        return "auto_reply"
    for name in _AUTO_REPLY_HEADERS:
        if mail.header(name).strip().lower() not in _NOT_SET:
            return "auto_reply"
    if mail.header("x-auto-response-suppress") and _VACATION_SUBJECT.match(mail.subject):
        return "auto_reply"
    if null_sender or return_path == "<>":
        return "bounce"
    if mail.header("precedence").strip().lower() in ("bulk", "junk", "list"):
        return "bulk"
    if _VACATION_SUBJECT.match(mail.subject):
        return "bulk"
    return ""


def wants_no_auto_reply(mail: ParsedMail) -> bool:
    """Mail we file but must not answer automatically: lists and bulk mail (RFC 3834 2),
    explicit suppression, and a vacation-like subject without a machine marker."""
    suppress = mail.header("x-auto-response-suppress").lower()
    return bool(
        mail.header("list-id")
        or mail.header("list-unsubscribe")
        or mail.header("precedence").strip().lower() in ("bulk", "junk", "list")
        or any(word in suppress for word in ("all", "autoreply", "oof"))
        or _VACATION_SUBJECT.match(mail.subject)
    )


# --- the walk ----------------------------------------------------------------------------------


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
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        name = part.get_param("name", header="content-type")
        if isinstance(name, tuple):
            name = codecs.decode(name[2].encode("latin-1"), name[0] or "utf-8", "replace")
    name = decode_header_value(name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    return re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name)[:200]


class _Collector:
    def __init__(self, mail: ParsedMail, max_attachment: int) -> None:
        self.mail = mail
        self.max_attachment = max_attachment
        self.texts: list[str] = []
        self.htmls: list[str] = []

    def attachment(self, name: str, ctype: str, data: bytes, *, inline: bool, cid: str) -> None:
        if not name:
            ext = {"text/plain": ".txt", "text/html": ".html", "message/rfc822": ".eml"}.get(ctype)
            if ext is None:
                import mimetypes

                ext = mimetypes.guess_extension(ctype) or ".bin"
            name = f"{'inline' if inline else 'attachment'}-{len(self.mail.attachments) + 1}{ext}"
        if len(data) > self.max_attachment:
            self.mail.dropped.append(DroppedAttachment(name, len(data), "too_large"))
            return
        self.mail.attachments.append(ParsedAttachment(name, ctype, data, inline, cid))

    def walk(self, part: EmailMessage, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            self.mail.defects.append("nested too deeply")
            return
        ctype = (part.get_content_type() or "text/plain").lower()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if ctype == "multipart/report":
            report = (part.get_param("report-type") or "").lower()
            if report in ("delivery-status", "disposition-notification"):
                self.mail.is_delivery_report = True
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype == "message/rfc822" or ctype == "message/global":
                for child in children:
                    self.forwarded(child, depth)
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
        name = _filename(part)
        cid = (part.get("Content-ID") or "").strip().strip("<>")[:200]
        data = _payload_bytes(part, self.mail)
        if (ctype == "application/ms-tnef" or name.lower() == "winmail.dat") and self.tnef(data):
            return
        if disposition != "attachment" and not name and ctype in ("text/plain", "text/html"):
            text = decode_bytes(data, part.get_content_charset())
            (self.htmls if ctype == "text/html" else self.texts).append(text)
            return
        inline = disposition == "inline" or (bool(cid) and disposition != "attachment")
        self.attachment(name, ctype, data, inline=inline, cid=cid)

    def alternative(self, children: list, depth: int) -> None:
        # Take the richest HTML and the plain text; both describe the same body.
        before_t, before_h = len(self.texts), len(self.htmls)
        for child in children:
            self.walk(child, depth + 1)
        if len(self.texts) - before_t > 1:
            del self.texts[before_t:-1]
        if len(self.htmls) - before_h > 1:
            del self.htmls[before_h:-1]

    def forwarded(self, inner: EmailMessage, depth: int) -> None:
        if not isinstance(inner, EmailMessage):
            return
        sub = _Collector(self.mail, self.max_attachment)
        sub.walk(inner, depth + 1)
        header = "\n".join(
            f"{label}: {decode_header_value(inner.get(name, ''))}"
            for label, name in (("From", "From"), ("Date", "Date"), ("Subject", "Subject"))
            if inner.get(name)
        )
        body = "\n\n".join(t for t in sub.texts if t.strip())
        if not body and sub.htmls:
            body = "\n\n".join(html_to_text(h) for h in sub.htmls)
        self.texts.append(f"---------- Forwarded message ----------\n{header}\n\n{body}")
        self.htmls.extend(sub.htmls)

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
            import mimetypes

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
    from_name, from_addr = parseaddr(mail.headers.get("from", ""))
    mail.from_name = from_name.strip().strip("\"'")[:200]
    mail.from_addr = from_addr.strip().lower()[:254] if "@" in from_addr else ""
    reply_to = _addresses(get_all("Reply-To"))
    mail.reply_to = reply_to[0] if reply_to else ""
    mail.to = _addresses(get_all("To"))
    mail.cc = _addresses(get_all("Cc"))
    mail.delivered_to = _addresses(get_all("Delivered-To") + get_all("X-Original-To"))
    mail.defects.extend(type(d).__name__ for d in msg.defects)
    collector = _Collector(mail, max_attachment_bytes)
    try:
        collector.walk(msg)
    except Exception as exc:  # noqa: BLE001  (a body we cannot walk is still kept as text)
        mail.defects.append(f"unwalkable body: {exc}")
        body_start = raw.find(b"\n\n")
        collector.texts.append(decode_bytes(raw[body_start + 2 :] if body_start >= 0 else raw))
    html = "\n".join(collector.htmls)
    mail.html = sanitize_html(html) if html.strip() else ""
    text = "\n\n".join(t.strip("\n") for t in collector.texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    mail.text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    return mail
