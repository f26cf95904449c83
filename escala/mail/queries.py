"""Reads with meaning for other apps' pages."""

from __future__ import annotations

from .authn import describe
from .choices import AuthResult
from .models import InboundMail


def sender_checks(message_ids: list[int]) -> dict[int, dict]:
    """For the ticket page: message id -> how the sender of the mail it was filed from was
    verified (one query; nothing for messages that came another way)."""
    if not message_ids:
        return {}
    found: dict[int, dict] = {}
    mails = (
        InboundMail.objects.filter(filed_message_id__in=message_ids)
        .select_related("decided_by")
        .only("pk", "filed_message_id", "auth_result", "auth", "decision", "decided_by")
        .order_by("pk")
    )
    for mail in mails:
        lines = describe(mail.auth) if mail.auth_result else []
        found.setdefault(
            mail.filed_message_id,
            {
                "mail_id": mail.pk,
                "result": mail.auth_result,
                "label": AuthResult(mail.auth_result).label if mail.auth_result else "",
                "summary": lines[0] if lines else "",
                "details": lines[1:],
                "decision": mail.get_decision_display() if mail.decision else "",
                "decided_by": (
                    mail.decided_by.get_full_name() or mail.decided_by.get_username()
                    if mail.decided_by
                    else ""
                ),
            },
        )
    return found
