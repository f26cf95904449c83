"""Delivery reports (bounces) read from raw bytes. PURE: no database, no settings.

A standard report (RFC 3464) is a `multipart/report; report-type=delivery-status` whose
`message/delivery-status` part has one block per recipient (Final-Recipient, Action, Status,
Diagnostic-Code) and whose last part holds the original mail or its headers. Many servers still
send plain-text bounces (qmail's "failure notice", old Exim and Postfix, Exchange NDRs,
Lotus): for those the failed addresses, the status and the diagnostic are read from the text.
In both cases the Message-IDs quoted in the report say which of our mails bounced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

SCAN_BYTES = 512 * 1024  # how much of a report is searched for addresses and Message-IDs
_MSGID = re.compile(rb"<([^<>\s@]{1,200}@[^<>\s@]{1,200})>")
_ADDRESS = re.compile(
    r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,})>?"
)
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45]\d\d)[ -]")


@dataclass
class FailedRecipient:
    address: str  # lower case
    status: str = ""  # "5.1.1"
    action: str = "failed"  # failed / delayed / delivered / relayed / expanded
    diagnostic: str = ""
    original: str = ""  # Original-Recipient, when the report gives it (lower case)

    @property
    def permanent(self) -> bool:
        if self.action == "delayed" or self.status.startswith("4"):
            return False
        return self.action == "failed" or self.status.startswith("5")


@dataclass
class DeliveryReport:
    recipients: list[FailedRecipient] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)  # every Message-ID the report names
    standard: bool = False  # a message/delivery-status part was found

    @property
    def failed(self) -> list[FailedRecipient]:
        return [r for r in self.recipients if r.action in ("failed", "delayed")]


def _address(value: str) -> str:
    """'rfc822; John <j@x.example>' -> 'j@x.example'."""
    text = value.split(";", 1)[-1] if ";" in value else value
    found = _ADDRESS.search(text)
    return found.group(1).lower() if found else ""


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())[:1000]


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    # Some servers send the blocks as text the parser left whole: read them ourselves.
    text = payload if isinstance(payload, str) else ""
    blocks = []
    for chunk in re.split(r"\r?\n\s*\r?\n", text):
        if chunk.strip():
            blocks.append(message_from_bytes(chunk.encode("utf-8", "replace"), policy=compat32))
    return blocks


def _from_status_part(part: Message, report: DeliveryReport) -> None:
    report.standard = True
    for block in _status_blocks(part):
        final = block.get("Final-Recipient") or block.get("Original-Recipient")
        if not final:
            continue  # the per-message block
        address = _address(str(final))
        if not address:
            continue
        status = _ENHANCED.search(str(block.get("Status", "")))
        report.recipients.append(
            FailedRecipient(
                original=_address(str(block.get("Original-Recipient", ""))),
                address=address,
                status=".".join(status.groups()) if status else "",
                action=str(block.get("Action", "failed")).strip().lower() or "failed",
                diagnostic=_one_line(block.get("Diagnostic-Code", "")).split(";", 1)[-1].strip(),
            )
        )


def _from_text(text: str, report: DeliveryReport) -> None:
    """A bounce in words: the addresses it names next to an SMTP error, and that error."""
    lines = text.splitlines()
    status, diagnostic = "", ""
    for i, line in enumerate(lines):
        found = _ENHANCED.search(line) or _SMTP_CODE.search(line)
        if found and not status:
            status = ".".join(found.groups()) if found.re is _ENHANCED else found.group(1)
            diagnostic = _one_line(" ".join(lines[i : i + 2]))
    seen = {r.address for r in report.recipients}
    for line in lines:
        stripped = line.strip()
        # qmail: "<john@x.example>:"; Exim: "  john@x.example"; Postfix: "<john@x.example>: host"
        found = re.match(r"^<?([^<>\s@]+@[^<>\s@:]+)>?:?(\s|$)", stripped)
        if found and (address := _address(found.group(1))) and address not in seen:
            seen.add(address)
            report.recipients.append(
                FailedRecipient(address, _enhanced(status), "failed", diagnostic)
            )


def _enhanced(code: str) -> str:
    """'550' -> '5.0.0' (only the class is known); '5.1.1' stays."""
    if "." in code or not code:
        return code
    return f"{code[0]}.0.0"


def read_report(raw: bytes) -> DeliveryReport:
    """What a delivery report says. Never raises; an unreadable one says nothing."""
    report = DeliveryReport()
    head = bytes(raw[:SCAN_BYTES])
    report.message_ids = list(
        dict.fromkeys(m.decode("utf-8", "replace") for m in _MSGID.findall(head))
    )[:200]
    try:
        msg = message_from_bytes(head, policy=compat32)
    except Exception:  # noqa: BLE001
        return report
    texts: list[str] = []
    try:
        for part in msg.walk():
            ctype = part.get_content_type().lower()
            if ctype in ("message/delivery-status", "message/global-delivery-status"):
                _from_status_part(part, report)
            elif ctype == "text/plain" and not part.is_multipart():
                data = part.get_payload(decode=True) or b""
                try:
                    texts.append(data.decode(part.get_content_charset() or "utf-8", "replace"))
                except LookupError:
                    texts.append(data.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001, S110  (a broken part: what was read so far is kept)
        pass
    if not report.recipients:
        for text in texts[:3]:
            _from_text(text[:SCAN_BYTES], report)
    return report
