"""A notification in words, in the reader's language (the row keeps only codes and names)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from escala.sla.choices import ClockKind

from .choices import Kind


def _team(params: dict[str, Any]) -> str:
    team = params.get("team")
    if isinstance(team, dict):
        lang = (get_language() or "es")[:2]
        return str(team.get(lang) or team.get("en") or "")
    return ""


def _clock(params: dict[str, Any]) -> str:
    code = params.get("clock")
    return str(ClockKind(code).label) if code in ClockKind.values else _("A clock")


def text(kind: str, params: dict[str, Any]) -> str:
    """One sentence saying what happened, without the ticket (shown beside it)."""
    actor = str(params.get("actor") or "Escala")
    team = _team(params)
    tier = str(params.get("tier") or "")
    if kind == Kind.ASSIGNED:
        return _("%(actor)s assigned this ticket to you.") % {"actor": actor}
    if kind == Kind.ESCALATED:
        if team:
            return _("%(actor)s escalated this ticket to %(team)s.") % {
                "actor": actor,
                "team": team,
            }
        return _("%(actor)s escalated this ticket to %(tier)s.") % {"actor": actor, "tier": tier}
    if kind == Kind.RETURNED:
        if team:
            return _("%(actor)s sent this ticket back to %(team)s.") % {
                "actor": actor,
                "team": team,
            }
        return _("%(actor)s sent this ticket back to %(tier)s.") % {"actor": actor, "tier": tier}
    if kind == Kind.REQUESTER_REPLIED:
        return _("The requester replied on your ticket.")
    if kind == Kind.SLA_WARNING:
        return _("%(clock)s target is due soon on your ticket.") % {"clock": _clock(params)}
    if kind == Kind.SLA_BREACHED:
        return _("%(clock)s target was breached on your ticket.") % {"clock": _clock(params)}
    if kind == Kind.MENTIONED:
        return _("%(actor)s mentioned you in an internal note.") % {"actor": actor}
    return _("Something changed on this ticket.")


def detail(params: dict[str, Any]) -> str:
    """The words quoted with it (a note's excerpt, an escalation's reason), if any."""
    return str(params.get("excerpt") or params.get("reason") or "")
