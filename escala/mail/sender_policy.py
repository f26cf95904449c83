"""May this mail act as its sender? The mailbox's mode, the sender's verdict (authn.py) and the
reply token (thread_match.py) decide; ingest asks before each action and holds what fails as
"unverified sender", so a forged mail never posts as anyone and never mails a customer.

Modes (Mailbox.sender_policy; ESCALA_MAIL_SENDER_POLICY for mail no mailbox claims):
- strict: every mail needs a verified sender (aligned DKIM or a trusted Authentication-Results)
  or a valid reply token issued to that sender;
- token: a reply on an existing ticket (or a vendor's answer) needs a verified sender or a
  valid token; a new request is opened from anyone;
- lenient: anyone (the threading and participant checks still apply).
In every mode a mail its domain proves forged (DMARC fail with a quarantine/reject policy, or a
trusted server's dmarc=fail) is held, and an agent's action by mail (a reply posted as the
agent) needs BOTH a verified sender and that agent's own reply token. A subject reference or an
In-Reply-To names a ticket; it never authorizes anything.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from . import authn, thread_match
from .choices import SenderPolicy
from .models import InboundMail, Mailbox
from .parse import ParsedMail

_RANK = {SenderPolicy.LENIENT: 0, SenderPolicy.TOKEN: 1, SenderPolicy.STRICT: 2}


def _boxes() -> dict[str, Mailbox]:
    """Active mailboxes by lower-case address, kept with thread_match's small tables: one
    per-process copy, dropped whenever a row changes in any process (escala.core.shared)."""
    cache = thread_match.shared_tables()
    if "mailbox_rows" not in cache:
        cache["mailbox_rows"] = {
            box.address.lower(): box for box in Mailbox.objects.filter(is_active=True)
        }
    return cache["mailbox_rows"]  # type: ignore[return-value]


def _base(address: str) -> str:
    local, _sep, domain = address.lower().partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def mode_for(mail: InboundMail, parsed: ParsedMail) -> tuple[str, list[str], str]:
    """(mode, trusted authserv-ids, mailbox name) for a mail. The mailbox the way in named
    (IMAP, `--mailbox`) decides; else the mailboxes of its envelope recipients; else those its
    headers name, together with the default, since headers are the sender's to write. Several
    mailboxes: the strictest mode, and only the servers all of them trust."""
    boxes: list[Mailbox] = []
    by_headers = False
    if mail.mailbox_id is not None:
        box = next((b for b in _boxes().values() if b.pk == mail.mailbox_id), None)
        boxes = [box or mail.mailbox]
    else:
        known = _boxes()
        envelope = [a for a in mail.envelope_to.split(",") if a.strip()]
        candidates = envelope or (parsed.delivered_to + parsed.to + parsed.cc)
        by_headers = not envelope
        boxes = list({b.pk: b for a in candidates if (b := known.get(_base(a.strip())))}.values())
    modes = [b.sender_policy for b in boxes]
    if not boxes or by_headers:
        modes.append(settings.ESCALA_MAIL_SENDER_POLICY)
    mode = max(modes, key=lambda m: _RANK.get(m, 2))
    trusted = [t.lower() for t in settings.ESCALA_MAIL_TRUSTED_AUTHSERV_IDS]
    if boxes:
        sets = [
            {t.strip().lower() for t in b.trusted_authserv_ids.split(",") if t.strip()}
            for b in boxes
        ]
        trusted += sorted(set.intersection(*sets))
    return mode, trusted, ", ".join(b.name for b in boxes)


def check(mail: InboundMail, parsed: ParsedMail, raw: bytes) -> dict:
    """The stored verdict: who sent it (authn), under which mode and mailbox."""
    mode, trusted, box = mode_for(mail, parsed)
    verdict = authn.verdict(
        raw,
        from_addr=parsed.from_addr,
        trusted_ids=trusted,
        several_from="MultipleFromAddresses" in parsed.defects,
    )
    verdict["mode"] = mode
    if box:
        verdict["mailbox"] = box
    return verdict


def verified(auth: dict) -> bool:
    return auth.get("result") == authn.PASS


def token_ok(match: thread_match.Match) -> bool:
    return match.how == "token" and match.token_state == thread_match.TOKEN_VALID


def note_token(auth: dict, match: thread_match.Match) -> None:
    if match.token_state:
        auth["token"] = match.token_state
        if match.how == "token" and match.ticket is not None:
            auth["token_ticket"] = match.ticket.reference


# --- the refusals: a sentence for the agent, or "" -----------------------------------------------


def forged(auth: dict) -> str:
    if auth.get("result") == authn.FAIL:
        return " ".join(authn.describe(auth)[:1])
    return ""


def refuse_agent(auth: dict, match: thread_match.Match, address: str) -> str:
    """An agent's action by mail: a verified sender AND their own reply token."""
    missing = []
    if not verified(auth):
        missing.append(_("a verified sender (DKIM/DMARC)"))
    if not token_ok(match):
        missing.append(_("the agent's own reply address from a notification"))
    if not missing:
        return ""
    return _(
        "A mail from agent %(sender)s on %(ticket)s acts as the agent only with %(missing)s: "
        "held. %(token)s"
    ) % {
        "sender": address,
        "ticket": match.ticket.reference if match.ticket else "",
        "missing": _(" and ").join(missing),
        "token": _token_words(match),
    }


def refuse_reply(auth: dict, match: thread_match.Match, address: str) -> str:
    """A requester's (or vendor's) mail on an existing ticket."""
    mode = auth.get("mode", SenderPolicy.STRICT)
    if mode == SenderPolicy.LENIENT or verified(auth) or token_ok(match):
        return ""
    return _(
        "%(sender)s could not be verified and the mail has no reply address issued to them: "
        "it names %(ticket)s (by %(how)s), which proves nothing. %(token)s"
    ) % {
        "sender": address,
        "ticket": match.ticket.reference if match.ticket else "",
        "how": _how(match.how),
        "token": _token_words(match),
    }


def refuse_vendor(
    auth: dict,
    match: thread_match.Match,
    parsed: ParsedMail,
    envelope_to: list[str],
    vendor,  # noqa: ANN001
) -> str:
    """A vendor's answer (an internal vendor message): like a reply; the reply address Escala
    sent to the vendor's support address counts for anyone of the vendor's domain."""
    mode = auth.get("mode", SenderPolicy.STRICT)
    if mode == SenderPolicy.LENIENT or verified(auth) or token_ok(match):
        return ""
    recipients = parsed.to + parsed.cc + parsed.delivered_to + list(envelope_to)
    support = vendor.support_email.strip().lower()
    for token in thread_match.tokens_in(recipients):
        if token.state_for(support) == thread_match.TOKEN_VALID:
            return ""
    return _(
        "%(sender)s (%(vendor)s) could not be verified and the mail has no reply address "
        "Escala sent to the vendor."
    ) % {"sender": parsed.from_addr, "vendor": vendor.name}


def refuse_new(auth: dict, match: thread_match.Match, address: str) -> str:
    """A new ticket in the sender's name (and its acknowledgement to that address)."""
    mode = auth.get("mode", SenderPolicy.STRICT)
    if mode != SenderPolicy.STRICT or verified(auth):
        return ""
    if match.token_state == thread_match.TOKEN_VALID:
        return ""  # they answered a mail Escala sent them: the address is theirs
    return _("%(sender)s could not be verified; this mailbox opens tickets only for verified "
             "senders.") % {"sender": address}  # fmt: skip


def _how(how: str) -> str:
    return {
        "references": _("In-Reply-To/References"),
        "subject": _("the subject's reference"),
        "token": _("a reply address"),
    }.get(how, how)


def _token_words(match: thread_match.Match) -> str:
    state = match.token_state
    if state == thread_match.TOKEN_EXPIRED:
        return _("Its reply address has expired.")
    if state == thread_match.TOKEN_INVALID and match.token_address:
        others = thread_match.token_recipients(match.token_address)
        if others:
            return _("Its reply address was sent to %(others)s, not to the sender.") % {
                "others": ", ".join(others)
            }
        return _("Its reply address was not issued to the sender.")
    return ""
