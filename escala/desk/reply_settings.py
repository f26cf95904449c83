"""An agent's own reply tools: their signature (/desk/settings/, from the user menu) and the
canned replies (/desk/canned/): their own, and the shared ones supervisors and admins keep.

An adapter only: desk.actions checks who may change what (people.access is the one policy)."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from escala.core.errors import DomainError, NotFound
from escala.people import access
from escala.people.queries import agent_of

from . import actions as desk_actions
from . import forms as f
from .models import CannedReply
from .views import agent_required


def _tools_required(request: HttpRequest) -> None:
    if not access.may_keep_reply_tools(request.user) and not access.is_admin(request.user):
        raise Http404


@require_http_methods(["GET", "POST"])
@agent_required
def my_settings(request: HttpRequest) -> HttpResponse:
    if not access.may_keep_reply_tools(request.user):
        raise Http404  # an administrator without an agent profile signs nothing
    if request.method == "POST":
        form = f.SignatureForm(request.POST)
        if form.is_valid():
            try:
                desk_actions.save_signature(by=request.user, body=form.cleaned_data["body"])
            except DomainError as error:
                form.add_error("body" if error.field == "body" else None, error.message)
            else:
                messages.success(request, _("Your signature was saved."))
                return redirect("desk:my_settings")
    else:
        form = f.SignatureForm(initial={"body": desk_actions.signature_of(request.user)})
    return render(request, "desk/my_settings.html", {"form": form, "nav": "settings"})


@require_http_methods(["GET"])
@agent_required
def canned_list(request: HttpRequest) -> HttpResponse:
    _tools_required(request)
    rows = list(desk_actions.canned_replies_for(request.user).select_related("owner__user"))
    agent = agent_of(request.user)
    may_share = access.may_manage_shared_canned_replies(request.user)
    context: dict[str, Any] = {
        "mine": [c for c in rows if agent is not None and c.owner_id == agent.pk],
        "shared": [c for c in rows if c.owner_id is None],
        "may_share": may_share,
    }
    return render(request, "desk/canned_list.html", context)


@require_http_methods(["GET", "POST"])
@agent_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _tools_required(request)
    canned: CannedReply | None = None
    if pk is not None:
        try:
            canned = desk_actions.access_canned_reply(request.user, pk, change=True)
        except DomainError:
            raise Http404 from None
    may_share = access.may_manage_shared_canned_replies(request.user)
    if request.method == "POST":
        form = f.CannedReplyForm(request.POST, may_share=may_share)
        if form.is_valid():
            data = form.cleaned_data
            shared = data.get("shared", False) if may_share else False
            if agent_of(request.user) is None:
                shared = True  # an administrator's canned replies are the desk's
            try:
                saved = desk_actions.save_canned_reply(
                    by=request.user,
                    name=data["name"],
                    body_es=data["body_es"],
                    body_en=data["body_en"],
                    shared=shared,
                    canned=canned,
                )
            except NotFound:
                raise Http404 from None
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request, _("Canned reply “%(name)s” saved.") % {"name": saved.name}
                )
                return redirect("desk:canned_list")
    else:
        initial: dict[str, Any] = {}
        if canned is not None:
            initial = {
                "name": canned.name,
                "body_es": canned.body_es,
                "body_en": canned.body_en,
                "shared": canned.is_shared,
            }
        form = f.CannedReplyForm(initial=initial, may_share=may_share)
    return render(request, "desk/canned_form.html", {"form": form, "canned": canned})


@require_POST
@agent_required
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _tools_required(request)
    try:
        desk_actions.delete_canned_reply(by=request.user, canned=pk)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("Canned reply deleted."))
    return redirect("desk:canned_list")
