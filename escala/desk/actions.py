"""The console's own small state: an agent's saved queue filters, canned replies and signature,
and what the reply box sends (a reply or note with the status it asks for, in one transaction)."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from escala.automation.models import Macro
from escala.core import clock
from escala.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from escala.core.inputs import one_line
from escala.people import access
from escala.people.queries import agent_of
from escala.tickets.actions import add_note, add_reply, change_status, resolve_ticket
from escala.tickets.choices import BodyFormat, MessageKind, Status
from escala.tickets.models import Message, Ticket

from .models import CannedReply, SavedFilter, Signature

# Only these parameters are kept: a saved filter is a view of a queue, not an arbitrary URL.
FILTER_KEYS = {
    "queue",
    "q",
    "status",
    "priority",
    "category",
    "tier",
    "team",
    "assignee",
    "organization",
    "channel",
    "sort",
    "size",
}


def save_filter(*, by: Any, name: str, query: str) -> SavedFilter:
    agent = agent_of(by)
    if agent is None:
        raise Forbidden(_("Only agents can save filters."))
    name = one_line(name)[:80]  # no control characters: PostgreSQL refuses NUL even in a lookup
    if not name:
        raise ValidationFailed(_("Give the filter a name."), field="name")
    kept = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k in FILTER_KEYS and v]
    saved, _created = SavedFilter.objects.update_or_create(
        agent=agent,
        name=name,
        defaults={"query": urlencode(kept)[:1000], "created_at": clock.now()},
    )
    return saved


def delete_filter(*, by: Any, filter_id: int) -> None:
    agent = agent_of(by)
    deleted, _rows = SavedFilter.objects.filter(pk=filter_id, agent=agent).delete()
    if not deleted:
        raise NotFound(_("There is no such saved filter."))


# --- The reply box's tools: canned replies and the signature ----------------------------------

CANNED_MAX_CHARS = 20_000
SIGNATURE_MAX_CHARS = 1000


def _canned_text(body_es: str, body_en: str) -> tuple[str, str]:
    from escala.automation.actions import unknown_placeholders

    body_es, body_en = (body_es or "").strip(), (body_en or "").strip()
    if not body_es and not body_en:
        raise ValidationFailed(_("Write the text in at least one language."), field="body_es")
    for field, text in (("body_es", body_es), ("body_en", body_en)):
        if len(text) > CANNED_MAX_CHARS:
            raise ValidationFailed(_("The text is too long."), field=field)
        if "\x00" in text:
            raise ValidationFailed(_("The text holds characters that cannot be kept."), field=field)
        if unknown := unknown_placeholders(text):
            raise ValidationFailed(
                _("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown)}, field=field
            )
    return body_es, body_en


def _may_change(by: Any, canned: CannedReply) -> bool:
    if canned.owner_id is None:
        return access.may_manage_shared_canned_replies(by)
    agent = agent_of(by)
    return agent is not None and agent.pk == canned.owner_id


def canned_replies_for(user: Any) -> QuerySet[CannedReply]:
    """The canned replies `user` may use: their own and the shared ones (nobody else's)."""
    agent = agent_of(user)
    mine = Q(owner=agent) if agent is not None else Q(pk__in=[])
    if agent is None and not access.is_staff_member(user):
        return CannedReply.objects.none()
    return CannedReply.objects.filter(mine | Q(owner__isnull=True))


def access_canned_reply(user: Any, canned_id: int, *, change: bool = False) -> CannedReply:
    found = canned_replies_for(user).filter(pk=canned_id).first()
    if found is None:
        raise NotFound(_("There is no such canned reply."))
    if change and not _may_change(user, found):
        raise Forbidden(_("Only supervisors and administrators change shared canned replies."))
    return found


def save_canned_reply(
    *,
    by: Any,
    name: str,
    body_es: str,
    body_en: str,
    shared: bool = False,
    canned: CannedReply | int | None = None,
) -> CannedReply:
    """Create (no `canned`) or change a canned reply. An agent keeps their own; shared ones are
    kept by supervisors and admins. A name is used once per owner (once among the shared)."""
    agent = agent_of(by)
    if agent is None and not access.is_admin(by):
        raise Forbidden(_("Only help desk agents keep canned replies."))
    if shared and not access.may_manage_shared_canned_replies(by):
        raise Forbidden(_("Only supervisors and administrators share canned replies."))
    if not shared and agent is None:
        raise ValidationFailed(_("An administrator's canned replies are shared."), field="shared")
    name = one_line(name)[:100]
    if not name:
        raise ValidationFailed(_("Give the canned reply a name."), field="name")
    body_es, body_en = _canned_text(body_es, body_en)
    owner = None if shared else agent
    with transaction.atomic():
        if canned is not None:
            pk = canned.pk if isinstance(canned, CannedReply) else canned
            row = CannedReply.objects.select_for_update().filter(pk=pk).first()
            if row is None or not _may_change(by, row):
                raise NotFound(_("There is no such canned reply."))
        else:
            row = CannedReply()
        if _name_taken(owner, name, but=row.pk):
            raise ValidationFailed(_("A canned reply of that name exists already."), field="name")
        row.owner, row.name, row.body_es, row.body_en = owner, name, body_es, body_en
        row.updated_at = clock.now()
        try:
            with transaction.atomic():  # a savepoint: the unique index may still refuse it
                row.save()
        except IntegrityError:
            # A twin written since the check (another tab, another agent sharing one).
            raise ValidationFailed(
                _("A canned reply of that name exists already."), field="name"
            ) from None
    return row


def _name_taken(owner: Any, name: str, *, but: int | None) -> bool:
    """As the unique indexes compare (models.CannedReply.Meta): the database's lower()."""
    same = CannedReply.objects.filter(owner=owner).exclude(pk=but).annotate(key=Lower("name"))
    return same.filter(key=Lower(Value(name))).exists()


def delete_canned_reply(*, by: Any, canned: CannedReply | int) -> None:
    pk = canned.pk if isinstance(canned, CannedReply) else canned
    with transaction.atomic():
        row = CannedReply.objects.select_for_update().filter(pk=pk).first()
        if row is None or not _may_change(by, row):
            raise NotFound(_("There is no such canned reply."))
        row.delete()


def signature_of(user: Any) -> str:
    agent = agent_of(user)
    if agent is None:
        return ""
    row = Signature.objects.filter(agent=agent).only("body").first()
    return row.body if row else ""


def save_signature(*, by: Any, body: str) -> Signature:
    agent = agent_of(by)
    if agent is None:
        raise Forbidden(_("Only help desk agents have a signature."))
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > SIGNATURE_MAX_CHARS:
        raise ValidationFailed(
            _("Keep the signature under %(n)d characters.") % {"n": SIGNATURE_MAX_CHARS},
            field="body",
        )
    if "\x00" in body:
        raise ValidationFailed(_("The text holds characters that cannot be kept."), field="body")
    row, _created = Signature.objects.update_or_create(
        agent=agent, defaults={"body": body, "updated_at": clock.now()}
    )
    return row


def with_signature(body: str, signature: str) -> str:
    """A public reply and the agent's signature below it, Markdown's own separator between."""
    body = (body or "").rstrip()
    lines = [line.rstrip() for line in signature.strip().splitlines()]
    if not lines or not body:
        return body
    # Two trailing spaces are Markdown's hard line break: the signature keeps its lines.
    return body + "\n\n" + "  \n".join(["--", *lines])


# --- What the reply box sends ------------------------------------------------------------------

THEN_SEND, THEN_PENDING, THEN_RESOLVE = "send", "pending", "resolve"


def send_from_composer(
    *,
    ticket: Ticket | int,
    by: Any,
    kind: str,
    body: str,
    then: str = THEN_SEND,
    attachments: Iterable[UploadedFile] = (),
    time_spent: timedelta | None = None,
    summary: str = "",
    macro: Macro | None = None,
    expected_version: int | None = None,
) -> Message:
    """A Markdown reply (signed with the agent's signature) or internal note, then, as asked,
    the fields of the macro it was written from, and "pending on the requester" or "resolved".

    All in one transaction through the ticket actions, so the state machine decides as always:
    a refused change (a resolved ticket cannot become pending; open child tickets keep it from
    being resolved) sends nothing, and the refusal names the `then` field or the `summary`."""
    from escala.automation.actions import apply_macro
    from escala.knowledge.markdown import plain_text

    if then not in (THEN_SEND, THEN_PENDING, THEN_RESOLVE):
        raise ValidationFailed(_("Choose how to send."), field="then")
    public = kind == MessageKind.REPLY
    if not public and kind != MessageKind.NOTE:
        raise ValidationFailed(_("Choose a reply or an internal note."), field="kind")
    summary = (summary or "").strip()
    if then == THEN_RESOLVE and not summary:
        if not public:
            # The summary goes to the requester: an internal note is never it.
            raise ValidationFailed(
                _("Write the resolution summary the requester will read."), field="summary"
            )
        summary = plain_text(body).strip()[:5000]
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    common: dict[str, Any] = {
        "ticket": pk,
        "by": by,
        "attachments": attachments,
        "time_spent": time_spent,
        "expected_version": expected_version,
        "body_format": BodyFormat.MARKDOWN,
    }
    with transaction.atomic():
        if public:
            message = add_reply(body=with_signature(body, signature_of(by)), **common)
        else:
            message = add_note(body=body, **common)
        if macro is not None:
            apply_macro(ticket=pk, macro=macro, by=by, send_reply=False)
        try:
            if then == THEN_PENDING:
                change_status(ticket=pk, by=by, to=Status.PENDING_CUSTOMER)
            elif then == THEN_RESOLVE:
                resolve_ticket(ticket=pk, by=by, summary=summary)
        except DomainError as error:
            field = "summary" if error.field == "summary" else "then"
            raise type(error)(error.message, field=field) from error
    return message
