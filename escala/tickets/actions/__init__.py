"""The only way ticket state changes. Every entry point (console, portal, API, mail, tasks) calls
these; each checks the policy, writes its change and its TicketEvent in one transaction, and
raises a DomainError (changing nothing) when it refuses."""

from .conversation import add_note, add_reply, add_vendor_message
from .create import create_ticket
from .escalation import de_escalate_ticket, escalate_ticket, refer_to_vendor, set_vendor_case_number
from .links import link_tickets, merge_tickets, set_parent, unlink_tickets
from .participants import add_participant, keep_informed
from .workflow import (
    assign_many,
    assign_ticket,
    change_status,
    claim_new_ticket,
    claim_ticket,
    close_ticket,
    reopen_ticket,
    resolve_ticket,
    update_ticket_fields,
)

__all__ = [
    "add_note",
    "add_participant",
    "add_reply",
    "add_vendor_message",
    "assign_many",
    "assign_ticket",
    "change_status",
    "claim_new_ticket",
    "claim_ticket",
    "close_ticket",
    "create_ticket",
    "de_escalate_ticket",
    "escalate_ticket",
    "keep_informed",
    "link_tickets",
    "merge_tickets",
    "refer_to_vendor",
    "reopen_ticket",
    "resolve_ticket",
    "set_parent",
    "set_vendor_case_number",
    "unlink_tickets",
    "update_ticket_fields",
]
