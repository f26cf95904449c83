"""The reply box's helpers on the ticket page: the Markdown preview and the toolbar's lists
(macros, canned replies, knowledge articles to link), each loaded only when the agent opens it,
so the ticket page itself costs no query more.

An adapter only: the texts come from automation (macros' placeholders), desk.actions (canned
replies, signature) and knowledge (its search interface and its one Markdown renderer)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escala.automation.actions import fill_placeholders
from escala.automation.models import Macro
from escala.knowledge.markdown import render as render_markdown
from escala.knowledge.search import search_articles
from escala.tickets.choices import MessageKind

from . import actions as desk_actions
from .views import _load, agent_required

MENU_SIZE = 30


def _query(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").replace("\x00", "").strip()[:100]


@require_POST
@agent_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The message exactly as it will be shown: the same renderer, the signature under a public
    reply (never under an internal note)."""
    ticket = _load(request, pk)
    body = (request.POST.get("compose-body") or "").replace("\x00", "")
    public = request.POST.get("compose-kind", MessageKind.REPLY) != MessageKind.NOTE
    if public and body.strip():
        body = desk_actions.with_signature(body, desk_actions.signature_of(request.user))
    return render(
        request,
        "desk/_preview.html",
        {"ticket": ticket, "html": render_markdown(body), "empty": not body.strip()},
    )


@require_GET
@agent_required
def macro_menu(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _load(request, pk)
    macros = Macro.objects.filter(is_active=True) if ticket.is_open else Macro.objects.none()
    q = _query(request).lower()
    items = []
    for macro in macros:
        if q and q not in macro.name.lower():
            continue
        items.append(
            {
                "label": macro.name,
                "text": fill_placeholders(macro, "body", ticket=ticket, by=request.user),
                "macro": macro.pk,
                "sets": _macro_sets(macro),
            }
        )
    return _menu(request, ticket, "macros", items[:MENU_SIZE], _("No macro."))


def _macro_sets(macro: Macro) -> str:
    parts = []
    if macro.set_status:
        parts.append(_("status: %(v)s") % {"v": macro.get_set_status_display()})
    if macro.set_priority:
        parts.append(_("priority: %(v)s") % {"v": macro.get_set_priority_display()})
    if macro.add_tag:
        parts.append(_("tag: %(v)s") % {"v": macro.add_tag})
    return ", ".join(parts)


@require_GET
@agent_required
def canned_menu(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _load(request, pk)
    q = _query(request)
    canned = desk_actions.canned_replies_for(request.user)
    if q:
        canned = canned.filter(name__icontains=q)
    items = [
        {
            "label": c.name,
            "text": fill_placeholders(c, "body", ticket=ticket, by=request.user),
            "shared": c.is_shared,
        }
        for c in canned[:MENU_SIZE]
    ]
    return _menu(request, ticket, "canned", items, _("No canned reply yet."))


@require_GET
@agent_required
def article_menu(request: HttpRequest, pk: int) -> HttpResponse:
    """Published articles the requester may read (the portal's public ones), found through the
    knowledge search interface; each inserts a Markdown link to the portal's page."""
    ticket = _load(request, pk)
    q = _query(request)
    language = ticket.requester.language or "es"
    hits = (
        search_articles(request.user, q, public_only=True, language=language, limit=10) if q else []
    )
    items = []
    for hit in hits:
        title = hit.translation.title.replace("[", "(").replace("]", ")")
        url = settings.ESCALA_SITE_URL + reverse("kb:article", args=[hit.article.pk])
        items.append({"label": hit.translation.title, "text": f"[{title}]({url})", "url": url})
    empty = _("No public article matches.") if q else _("Type to search the public articles.")
    return _menu(request, ticket, "articles", items, empty)


def _menu(
    request: HttpRequest, ticket: Any, kind: str, items: list[dict], empty: str
) -> HttpResponse:
    return render(
        request,
        "desk/_composer_menu.html",
        {"ticket": ticket, "kind": kind, "items": items, "empty": empty, "q": _query(request)},
    )
