"""Reads with meaning for other apps' pages."""

from __future__ import annotations

from .authn import describe
from .choices import AuthResult, Decision
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
        found.setdefault(
            mail.filed_message_id,
            sender_check(
                mail_id=mail.pk,
                auth_result=mail.auth_result,
                auth=mail.auth,
                decision=mail.decision,
                decided_by=(
                    mail.decided_by.get_full_name() or mail.decided_by.get_username()
                    if mail.decided_by
                    else ""
                ),
            ),
        )
    return found


def sender_check(
    *, mail_id: int, auth_result: str, auth: dict, decision: str, decided_by: str
) -> dict:
    """One message's sender check from its mail's columns (the ticket page reads them joined to
    the thread)."""
    lines = describe(auth) if auth_result else []
    return {
        "mail_id": mail_id,
        "result": auth_result,
        "label": AuthResult(auth_result).label if auth_result else "",
        "summary": lines[0] if lines else "",
        "details": lines[1:],
        "decision": Decision(decision).label if decision in Decision.values else decision,
        "decided_by": decided_by,
    }
