"""Knowledge pages: the portal's public knowledge base (/kb/) and the agents' article management
(/desk/kb/), plus the partials the desk and the portal include (suggestions for a ticket,
similar tickets, deflection while a request is typed). An adapter: each view calls an action
or a query and renders the result; one view serves a page and its htmx partial."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escala.core.errors import DomainError, NotFound
from escala.core.inputs import parse_id
from escala.tickets import actions as ticket_actions
from escala.tickets.choices import DONE_STATUSES, LinkKind
from escala.tickets.permissions import access_ticket
from escala.tiers.models import Category, SupportTier

from . import actions, queries
from .choices import ArticleState, Language, Visibility
from .markdown import render as render_markdown
from .models import Article, ArticleTranslation, TriageSuggestion
from .permissions import (
    access_article,
    articles_managed_by,
    articles_visible_to,
    is_staff_member,
)
from .search import search_articles, search_tickets

PAGE = 20


COMPOSER_FIELD = "compose-body"  # the console composer's reply field (desk: prefix "compose")


def _partial(request: HttpRequest, template: str, name: str) -> str:
    """The whole page, or only the named partial when htmx asks for it."""
    return f"{template}#{name}" if request.headers.get("HX-Request") else template


def _lang() -> str:
    return (get_language() or "es")[:2]


def _int(value: Any) -> int | None:
    return parse_id(value, minimum=0)


def _with_translations(articles):
    return articles.select_related("category").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
    )


def _require_agent(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


def _ticket_or_404(request: HttpRequest, ticket_id: int):
    try:
        return access_ticket(request.user, ticket_id)
    except NotFound:
        raise Http404 from None


# --- Portal: public articles ------------------------------------------------------------------


@require_GET
def portal_index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:300]
    category = _int(request.GET.get("category"))
    hits = []
    articles = []
    if query:
        hits = search_articles(
            request.user, query, public_only=True, category=category, language=_lang(), limit=PAGE
        )
    else:
        listed = articles_visible_to(request.user, public_only=True)
        if category:
            listed = listed.filter(category_id=category)
        articles = list(_with_translations(listed).order_by("-published_at", "-id")[:PAGE])
    categories = Category.objects.filter(
        articles__state=ArticleState.PUBLISHED, articles__visibility=Visibility.PUBLIC
    ).distinct()
    return render(
        request,
        _partial(request, "knowledge/portal_index.html", "results"),
        {
            "query": query,
            "category": category,
            "categories": categories,
            "hits": hits,
            "articles": articles,
        },
    )


@require_GET
def portal_article(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = access_article(request.user, pk)
    except NotFound:
        raise Http404 from None
    if article.visibility != Visibility.PUBLIC:
        raise Http404
    return _article_page(request, article, "knowledge/portal_article.html")


def _article_page(request: HttpRequest, article: Article, template: str, **extra) -> HttpResponse:
    article = _with_translations(Article.objects.filter(pk=article.pk)).get()
    translation = article.translation(_lang())
    context = {
        "article": article,
        "translation": translation,
        "html": render_markdown(translation.body if translation else ""),
        "impact": queries.article_impact(article),
        **extra,
    }
    return render(request, template, context)


@require_POST
def portal_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    helpful = request.POST.get("helpful") == "yes"
    try:
        actions.record_feedback(article=pk, by=request.user, helpful=helpful, language=_lang())
    except DomainError as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(exc.message, status=400)
        raise Http404 from None
    article = Article.objects.get(pk=pk)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "knowledge/portal_article.html#feedback",
            {"article": article, "impact": queries.article_impact(article), "thanked": True},
        )
    messages.success(request, _("Thank you for your feedback."))
    return redirect("kb:article", pk=pk)


# --- Deflection: while a requester types a new request -----------------------------------------


@require_GET
def deflect(request: HttpRequest) -> HttpResponse:
    """htmx: public articles matching the subject and description being typed. The portal's new
    request form includes `knowledge/partials/deflection.html` and sends its fields here."""
    text = " ".join(
        request.GET.get(name, "") for name in ("subject", "body", "description", "q")
    ).strip()[:2000]
    hits = (
        queries.deflection_candidates(request.user, text, language=_lang())
        if len(text) >= 3
        else []
    )
    return render(request, "knowledge/partials/deflection.html", {"hits": hits, "text": text})


@require_POST
def deflect_solved(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester says article `pk` solved it: a deflected request, nothing to file."""
    try:
        actions.record_deflection(
            article=pk, by=request.user, query=request.POST.get("text", ""), language=_lang()
        )
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    return render(request, "knowledge/partials/deflected.html", {})


# --- Desk: article management ------------------------------------------------------------------


@login_required
@require_GET
def desk_index(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    query = request.GET.get("q", "").strip()[:300]
    state = request.GET.get("state", "")
    managed = articles_managed_by(request.user)
    if state in ArticleState.values:
        managed = managed.filter(state=state)
    hits = []
    articles = []
    if query:
        hits = search_articles(request.user, query, articles=managed, language=_lang(), limit=50)
    else:
        articles = list(
            _with_translations(queries.with_feedback_counts(managed)).order_by("-updated_at")[:50]
        )
    return render(
        request,
        _partial(request, "knowledge/desk_index.html", "results"),
        {
            "query": query,
            "state": state,
            "states": ArticleState.choices,
            "hits": hits,
            "articles": articles,
        },
    )


def _form_context(
    article: Article | None, data: Any = None, errors: dict[str, str] | None = None
) -> dict:
    """The article form: what the user sent back (on an error) or the article as it is."""
    errors = errors or {}
    texts = {t.language: t for t in article.translations.all()} if article else {}
    langs = []
    for code, label in Language.choices:
        current = texts.get(code)
        langs.append(
            {
                "code": code,
                "label": label,
                "title": data.get(f"title_{code}", "") if data else getattr(current, "title", ""),
                "body": data.get(f"body_{code}", "") if data else getattr(current, "body", ""),
                "error": errors.get(f"title_{code}") or errors.get(f"body_{code}"),
                "exists": current is not None,
            }
        )
    if data:
        selected_category = _int(data.get("category"))
        selected_visibility = data.get("visibility")
        selected_tiers = {_int(v) for v in data.getlist("tiers")}
    elif article:
        selected_category = article.category_id
        selected_visibility = article.visibility
        selected_tiers = set(article.tiers.values_list("pk", flat=True))
    else:
        selected_category, selected_visibility, selected_tiers = None, Visibility.INTERNAL, set()
    return {
        "article": article,
        "langs": langs,
        "selected_category": selected_category,
        "selected_visibility": selected_visibility,
        "selected_tiers": selected_tiers,
        "categories": Category.objects.filter(is_active=True),
        "tiers": SupportTier.objects.all(),
        "visibilities": Visibility.choices,
        "errors": errors,
    }


_FORM_FIELDS = {"visibility", "tiers"} | {f"{p}_{c}" for p in ("title", "body") for c in Language}


def _errors(exc: DomainError) -> dict[str, str]:
    """A refusal shown next to its field, or at the top when no field of the form is at fault."""
    if exc.field in _FORM_FIELDS:
        return {exc.field: exc.message}
    return {"form": exc.message}


def _settings_from(request: HttpRequest) -> dict:
    category_id = _int(request.POST.get("category"))
    tier_ids = [i for i in (_int(v) for v in request.POST.getlist("tiers")) if i]
    return {
        "category": Category.objects.filter(pk=category_id).first() if category_id else None,
        "visibility": request.POST.get("visibility", Visibility.INTERNAL),
        "tiers": list(SupportTier.objects.filter(pk__in=tier_ids)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def desk_new(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    context = _form_context(None)
    if request.method == "POST":
        texts = {
            lang: (request.POST.get(f"title_{lang}", ""), request.POST.get(f"body_{lang}", ""))
            for lang in Language.values
        }
        try:
            article = actions.create_article(
                by=request.user, texts=texts, **_settings_from(request)
            )
        except DomainError as exc:
            context = _form_context(None, request.POST, _errors(exc))
            return render(request, "knowledge/desk_form.html", context, status=400)
        messages.success(request, _("Draft saved."))
        return redirect("desk_kb:detail", pk=article.pk)
    return render(request, "knowledge/desk_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def desk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_agent(request)
    try:
        article = access_article(request.user, pk, manage=True)
    except NotFound:
        raise Http404 from None
    context = _form_context(article)
    if request.method == "POST":
        existing = {lang["code"]: lang["exists"] for lang in context["langs"]}
        try:
            version = _int(request.POST.get("version"))
            article = actions.update_article_settings(
                article=article,
                by=request.user,
                expected_version=version,
                **_settings_from(request),
            )
            note = request.POST.get("note", "")
            for lang in Language.values:
                title = request.POST.get(f"title_{lang}", "")
                body = request.POST.get(f"body_{lang}", "")
                if title.strip() or body.strip() or existing[lang]:
                    actions.edit_article(
                        article=article,
                        by=request.user,
                        language=lang,
                        title=title,
                        body=body,
                        note=note,
                    )
        except DomainError as exc:
            context = _form_context(article, request.POST, _errors(exc))
            return render(request, "knowledge/desk_form.html", context, status=400)
        messages.success(request, _("Article saved."))
        return redirect("desk_kb:detail", pk=article.pk)
    return render(request, "knowledge/desk_form.html", context)


@login_required
@require_GET
def desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_agent(request)
    try:
        article = access_article(request.user, pk, manage=True)
    except NotFound:
        raise Http404 from None
    from .choices import ALLOWED_TRANSITIONS

    moves = sorted(ALLOWED_TRANSITIONS[article.state])
    return _article_page(
        request,
        article,
        "knowledge/desk_detail.html",
        next_states=[(s, ArticleState(s).label) for s in moves],
        revisions=article.revisions.select_related("created_by")[:20],
        state_changes=article.state_changes.select_related("by"),
    )


@login_required
@require_POST
def desk_transition(request: HttpRequest, pk: int) -> HttpResponse:
    _require_agent(request)
    try:
        actions.change_article_state(
            article=pk,
            by=request.user,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            expected_version=_int(request.POST.get("version")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("desk_kb:detail", pk=pk)


@login_required
@require_POST
def desk_from_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Shift-left: turn a ticket's resolution into a draft article."""
    _require_agent(request)
    try:
        article = actions.draft_article_from_ticket(ticket=ticket_id, by=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk_kb:ticket", ticket_id=ticket_id)
    messages.success(request, _("Draft article written from the ticket; complete it for review."))
    return redirect("desk_kb:edit", pk=article.pk)


# --- Desk: ticket search ---------------------------------------------------------------------


@login_required
@require_GET
def desk_search(request: HttpRequest) -> HttpResponse:
    """Full-text search over the tickets the agent may see, with filters; htmx gets the list."""
    _require_agent(request)
    from escala.tickets.choices import Status
    from escala.tiers.models import Team

    query = request.GET.get("q", "").strip()[:300]
    filters = {
        "status": request.GET.get("status", "")
        if request.GET.get("status", "") in {"open", "done", *Status.values}
        else "",
        "tier": _int(request.GET.get("tier")),
        "team": _int(request.GET.get("team")),
        "category": _int(request.GET.get("category")),
    }
    hits = search_tickets(request.user, query, filters, limit=50) if query else []
    return render(
        request,
        _partial(request, "knowledge/desk_search.html", "results"),
        {
            "query": query,
            "filters": filters,
            "hits": hits,
            "statuses": [("open", _("Open (any)")), ("done", _("Resolved or closed"))],
            "tiers": SupportTier.objects.all(),
            "teams": Team.objects.filter(is_active=True),
            "categories": Category.objects.filter(is_active=True),
        },
    )


# --- Desk: a ticket's knowledge panel ------------------------------------------------------------


@login_required
@require_GET
def desk_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A minimal ticket page showing the knowledge partials (the console includes the same
    partials in its own ticket page)."""
    _require_agent(request)
    ticket = _ticket_or_404(request, ticket_id)
    return render(request, "knowledge/desk_ticket.html", _ticket_panel(request, ticket))


def _ticket_panel(request: HttpRequest, ticket) -> dict:
    return {
        "ticket": ticket,
        "thread": ticket.messages.order_by("created_at", "id"),
        "suggestions": queries.suggested_articles(request.user, ticket),
        "similar": queries.similar_tickets(request.user, ticket),
        "triage": TriageSuggestion.objects.filter(ticket=ticket)
        .select_related("category", "tier", "team")
        .first(),
        "link_kinds": LinkKind.choices,
    }


@login_required
@require_GET
def ticket_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The knowledge panel of the console's ticket page (loaded by htmx after the page): articles
    to insert or send, similar tickets, and the way to turn the resolution into an article."""
    _require_agent(request)
    ticket = _ticket_or_404(request, ticket_id)
    return render(request, "knowledge/partials/panel.html", _panel_context(request, ticket))


def _panel_context(request: HttpRequest, ticket) -> dict:
    tier = actions.resolution_tier(ticket) if ticket.status in DONE_STATUSES else None
    return {
        "ticket": ticket,
        "suggestions": queries.suggested_articles(request.user, ticket),
        "similar": queries.similar_tickets(request.user, ticket),
        "link_kinds": LinkKind.choices,
        "composer_field": COMPOSER_FIELD,
        "may_write_article": tier is not None
        and tier.level >= 2
        and not queries.has_source_article(ticket),
    }


@login_required
@require_POST
def send_article(request: HttpRequest, ticket_id: int, pk: int) -> HttpResponse:
    """Send a public article to the requester as a reply, then back to the console's page."""
    _require_agent(request)
    try:
        actions.send_article_to_requester(article=pk, ticket=ticket_id, by=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The article was sent to the requester."))
    response = redirect("desk:ticket", pk=ticket_id)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response.headers["HX-Redirect"] = reverse("desk:ticket", args=[ticket_id])
    return response


@login_required
@require_GET
def ticket_suggestions(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _require_agent(request)
    ticket = _ticket_or_404(request, ticket_id)
    return render(
        request,
        "knowledge/partials/suggestions.html",
        {"ticket": ticket, "suggestions": queries.suggested_articles(request.user, ticket)},
    )


@login_required
@require_GET
def ticket_similar(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _require_agent(request)
    ticket = _ticket_or_404(request, ticket_id)
    return render(
        request,
        "knowledge/partials/similar.html",
        {
            "ticket": ticket,
            "similar": queries.similar_tickets(request.user, ticket),
            "link_kinds": LinkKind.choices,
        },
    )


@login_required
@require_POST
def insert_article(request: HttpRequest, ticket_id: int, pk: int) -> HttpResponse:
    """Insert an article into a reply: records the use, returns the text (a filled textarea for
    htmx, JSON otherwise)."""
    _require_agent(request)
    try:
        text = actions.use_article_on_ticket(article=pk, ticket=ticket_id, by=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=400)
    if request.headers.get("HX-Request"):
        # The console's composer names its field `compose-body`; the knowledge pages `body`.
        field = request.POST.get("field", "body")
        field = field if field in (COMPOSER_FIELD, "body") else "body"
        current = request.POST.get(field, "").rstrip()
        body = f"{current}\n\n{text}" if current else text
        return render(
            request,
            "knowledge/partials/reply_body.html",
            {"body": body, "name": field, "id": "reply-body" if field == "body" else f"id_{field}"},
        )
    return JsonResponse({"text": text})


@login_required
@require_POST
def relate_ticket(request: HttpRequest, ticket_id: int, other_id: int) -> HttpResponse:
    """One-click link (related/duplicate) or merge from the similar-tickets list."""
    _require_agent(request)
    how = request.POST.get("how", LinkKind.RELATED)
    try:
        if how == "merge":
            ticket_actions.merge_tickets(source=other_id, target=ticket_id, by=request.user)
            messages.success(request, _("Ticket merged."))
        else:
            ticket_actions.link_tickets(
                source=ticket_id, target=other_id, by=request.user, kind=how
            )
            messages.success(request, _("Tickets linked."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # only a page of this site
    return redirect("desk_kb:ticket", ticket_id=ticket_id)
