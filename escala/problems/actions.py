"""The only way a problem changes. Each action checks the policy, locks the problem, writes the
change and its ProblemEvent in one transaction, and raises a DomainError (changing nothing) when
it refuses."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import InvalidTransition, NotFound, StaleObject, ValidationFailed
from escala.knowledge import actions as knowledge
from escala.knowledge.choices import ArticleState, Visibility
from escala.people.models import Agent
from escala.tickets import actions as tickets
from escala.tickets.choices import Channel
from escala.tickets.models import Ticket, VendorCase
from escala.tickets.permissions import ensure_can_work
from escala.tiers.models import SupportTier, Team

from . import hooks
from .choices import ALLOWED_TRANSITIONS, ProblemEventKind, ProblemStatus
from .models import Problem, ProblemEvent, ProblemTicket
from .permissions import can_manage, ensure_can_manage, ensure_staff


def actor_name(user: Any) -> str:
    """How a change's author is kept in the history (None: the system)."""
    if user is None:
        return "Escala"
    return user.get_full_name() or user.get_username()


def record(
    problem: Problem,
    kind: str,
    *,
    by: Any,
    old: object = "",
    new: object = "",
    ticket: Ticket | None = None,
    data: dict[str, Any] | None = None,
) -> ProblemEvent:
    event = ProblemEvent.objects.create(
        problem=problem,
        kind=kind,
        actor=by,
        actor_name=actor_name(by),
        created_at=clock.now(),
        old_value="" if old is None else str(old)[:250],
        new_value="" if new is None else str(new)[:250],
        ticket=ticket,
        data=data or {},
    )
    hooks.problem_event(problem, event)  # in the same transaction: no change, no delivery
    return event


def _lock(problem: Problem | int, expected_version: int | None = None) -> Problem:
    pk = problem.pk if isinstance(problem, Problem) else problem
    try:
        locked = Problem.objects.select_for_update().get(pk=pk)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Problem not found.")) from None
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject(
            _(
                "This problem was changed by someone else while you were working on it. "
                "Reload it to see the change, then try again."
            )
        )
    return locked


def _touch(problem: Problem) -> None:
    problem.updated_at = clock.now()
    problem.version += 1
    problem.save()


def _text(value: str | None, *, field: str, message: str, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    if limit is not None and len(text) > limit:
        raise ValidationFailed(_("At most %(limit)d characters.") % {"limit": limit}, field=field)
    return text


def default_owner_tier() -> SupportTier:
    tier = SupportTier.objects.filter(level=settings.ESCALA_PROBLEM_OWNER_LEVEL).first()
    if tier is None:  # an organization that renumbered its levels: the highest internal one
        tier = SupportTier.objects.filter(is_external=False).order_by("-level").first()
    if tier is None:
        raise ValidationFailed(_("No support level can own problems."), field="owner_tier")
    return tier


def open_problem(
    *,
    by: Any,
    title: str,
    description: str = "",
    owner_tier: SupportTier | None = None,
    owner_team: Team | None = None,
    tickets: Iterable[Ticket] = (),
) -> Problem:
    """Any agent may raise a problem (Level 1 sees the pattern first); it belongs to Level 3
    (ESCALA_PROBLEM_OWNER_LEVEL) unless another level or team is chosen."""
    ensure_staff(by)
    title = " ".join(_text(title, field="title", message=_("Give the problem a title.")).split())
    if len(title) > 200:
        raise ValidationFailed(_("At most %(limit)d characters.") % {"limit": 200}, field="title")
    tier = owner_tier or (owner_team.tier if owner_team is not None else default_owner_tier())
    if owner_team is not None and owner_team.tier_id != tier.pk:
        raise ValidationFailed(
            _("The team %(team)s does not work at %(level)s.")
            % {"team": owner_team, "level": tier},
            field="owner_team",
        )
    now = clock.now()
    with transaction.atomic():
        problem = Problem.objects.create(
            title=title,
            description=(description or "").strip(),
            owner_tier=tier,
            owner_team=owner_team,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        record(problem, ProblemEventKind.CREATED, by=by, new=problem.title)
        for ticket in tickets:
            _link(problem, ticket, by)
    return problem


def _link(problem: Problem, ticket: Ticket | int, by: Any) -> ProblemTicket | None:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("Ticket not found."), field="tickets")
    ensure_can_work(by, found)
    existing = ProblemTicket.objects.filter(ticket=found).select_related("problem").first()
    if existing is not None:
        if existing.problem_id == problem.pk:
            return None  # already linked: linking twice changes nothing
        raise ValidationFailed(
            _("%(ticket)s is already linked to %(problem)s.")
            % {"ticket": found.reference, "problem": existing.problem.reference},
            field="tickets",
        )
    link = ProblemTicket.objects.create(
        problem=problem, ticket=found, linked_at=clock.now(), linked_by=by
    )
    record(problem, ProblemEventKind.TICKET_LINKED, by=by, new=found.reference, ticket=found)
    if problem.assignee_id is not None:
        tickets.keep_informed(tickets=[found], agent=problem.assignee)
    return link


def _pull_in(problem: Problem, agent: Agent) -> None:
    """The engineer who works a problem reads its incidents wherever they are: they are pulled
    into each linked ticket (the visibility policy's participants), as an escalating agent
    keeps following the ticket they hand on."""
    tickets.keep_informed(tickets=Ticket.objects.filter(problem_link__problem=problem), agent=agent)


def link_tickets(
    *, problem: Problem | int, tickets: Iterable[Ticket | int], by: Any
) -> list[ProblemTicket]:
    """Link incidents to the problem: all of them or none (a ticket the agent may not work,
    or one already explained by another problem, refuses the whole request)."""
    ensure_staff(by)
    with transaction.atomic():
        locked = _lock(problem)
        made = [link for t in tickets if (link := _link(locked, t, by)) is not None]
        if made:
            _touch(locked)
    return made


def unlink_ticket(*, problem: Problem | int, ticket: Ticket | int, by: Any) -> None:
    ensure_staff(by)
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    with transaction.atomic():
        locked = _lock(problem)
        link = ProblemTicket.objects.filter(problem=locked, ticket_id=pk).first()
        if link is None:
            raise ValidationFailed(_("That ticket is not linked to this problem."), field="ticket")
        ensure_can_work(by, link.ticket)
        record(
            locked,
            ProblemEventKind.TICKET_UNLINKED,
            by=by,
            old=link.ticket.reference,
            ticket=link.ticket,
        )
        link.delete()
        _touch(locked)


def _move(problem: Problem, to: str, by: Any, reason: str = "") -> None:
    if problem.status == to:
        return
    if to not in ALLOWED_TRANSITIONS.get(problem.status, frozenset()):
        raise InvalidTransition(
            _("A problem that is “%(from)s” cannot become “%(to)s”.")
            % {"from": problem.get_status_display(), "to": ProblemStatus(to).label},
            field="status",
        )
    now = clock.now()
    old = problem.status
    problem.status = to
    if to == ProblemStatus.ROOT_CAUSE_KNOWN and problem.root_cause_at is None:
        problem.root_cause_at = now
    if to == ProblemStatus.KNOWN_ERROR and problem.known_error_at is None:
        problem.known_error_at = now
    if to == ProblemStatus.RESOLVED:
        problem.resolved_at = now
    if to == ProblemStatus.CLOSED:
        problem.closed_at = now
        problem.resolved_at = problem.resolved_at or now
    if to == ProblemStatus.INVESTIGATING:  # reopened: it is neither resolved nor closed now
        problem.resolved_at = None
        problem.closed_at = None
    record(
        problem, ProblemEventKind.STATUS_CHANGED, by=by, old=old, new=to, data={"reason": reason}
    )


def record_root_cause(
    *, problem: Problem | int, by: Any, root_cause: str, expected_version: int | None = None
) -> Problem:
    """The investigation found the cause: an investigating problem becomes "root cause known"."""
    text = _text(root_cause, field="root_cause", message=_("Describe the root cause."))
    with transaction.atomic():
        locked = _lock(problem, expected_version)
        ensure_can_manage(by, locked)
        if locked.root_cause == text:
            return locked
        old = locked.root_cause
        locked.root_cause = text
        if locked.root_cause_at is None:
            locked.root_cause_at = clock.now()
        record(locked, ProblemEventKind.ROOT_CAUSE, by=by, old=old, new=text)
        if locked.status == ProblemStatus.INVESTIGATING:
            _move(locked, ProblemStatus.ROOT_CAUSE_KNOWN, by)
        _touch(locked)
    return locked


def _article_texts(problem: Problem) -> dict[str, tuple[str, str]]:
    texts = {}
    for lang, workaround in (("es", problem.workaround_es), ("en", problem.workaround_en)):
        with translation.override(lang):
            # Marked outside the f-strings: xgettext does not look inside them.
            title = _("Known error: %(title)s") % {"title": problem.title}
            workaround_head, symptoms_head = _("Workaround"), _("Symptoms")
            footer = _("Known error %(ref)s") % {"ref": problem.reference}
            parts = [f"**{workaround_head}**\n\n{workaround}"]
            if problem.description:
                parts.insert(0, f"**{symptoms_head}**\n\n{problem.description}")
            parts.append(f"_{footer}_")
        texts[lang] = (title[:200], "\n\n".join(parts))
    return texts


def publish_workaround(
    *,
    problem: Problem | int,
    by: Any,
    workaround_es: str,
    workaround_en: str,
    public: bool = False,
    expected_version: int | None = None,
) -> Problem:
    """The problem becomes a known error: its workaround is published as a knowledge article
    (created, or updated in place) that Level 1 reads and sends; `public` also shows it in the
    portal's help center."""
    es = _text(workaround_es, field="workaround_es", message=_("Write the workaround in Spanish."))
    en = _text(workaround_en, field="workaround_en", message=_("Write the workaround in English."))
    with transaction.atomic():
        locked = _lock(problem, expected_version)
        ensure_can_manage(by, locked)
        if locked.status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
            raise InvalidTransition(
                _("Reopen the problem before publishing a workaround."), field="status"
            )
        locked.workaround_es, locked.workaround_en = es, en
        texts = _article_texts(locked)
        visibility = Visibility.PUBLIC if public else Visibility.INTERNAL
        if locked.article is None:
            article = knowledge.create_article(
                by=by, texts=texts, visibility=visibility, note=locked.reference
            )
            knowledge.submit_for_review(article=article, by=by)
            knowledge.publish_article(article=article, by=by)
            article.refresh_from_db()
            locked.article = article
        else:
            article = locked.article
            for lang, (title, body) in texts.items():
                knowledge.edit_article(
                    article=article,
                    by=by,
                    language=lang,
                    title=title,
                    body=body,
                    note=locked.reference,
                )
            article.refresh_from_db()
            if article.visibility != visibility:
                knowledge.update_article_settings(
                    article=article, by=by, category=article.category, visibility=visibility
                )
            article.refresh_from_db()
            if article.state != ArticleState.PUBLISHED:
                if article.state == ArticleState.ARCHIVED:
                    knowledge.change_article_state(article=article, by=by, to=ArticleState.DRAFT)
                    article.refresh_from_db()
                if article.state == ArticleState.DRAFT:
                    knowledge.submit_for_review(article=article, by=by)
                knowledge.publish_article(article=article, by=by)
        _move(locked, ProblemStatus.KNOWN_ERROR, by)
        record(
            locked, ProblemEventKind.WORKAROUND, by=by, new=en[:250], data={"article": article.pk}
        )
        _touch(locked)
    return locked


def change_problem_status(
    *,
    problem: Problem | int,
    by: Any,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Problem:
    if to not in ProblemStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    with transaction.atomic():
        locked = _lock(problem, expected_version)
        ensure_can_manage(by, locked)
        if (
            to == ProblemStatus.KNOWN_ERROR
            and locked.status != to
            and not (locked.workaround_es and locked.workaround_en)
        ):
            raise InvalidTransition(
                _("A known error needs a published workaround."), field="status"
            )
        if to == ProblemStatus.ROOT_CAUSE_KNOWN and not locked.root_cause:
            raise InvalidTransition(_("Record the root cause first."), field="status")
        if to == locked.status:
            return locked
        _move(locked, to, by, reason.strip())
        _touch(locked)
    return locked


def assign_problem(*, problem: Problem | int, by: Any, assignee: Agent | None) -> Problem:
    with transaction.atomic():
        locked = _lock(problem)
        ensure_can_manage(by, locked)
        if assignee is not None and not can_manage(assignee.user, locked):
            raise ValidationFailed(
                _("%(agent)s does not work at the problem's level.") % {"agent": assignee},
                field="assignee",
            )
        if locked.assignee_id == (assignee.pk if assignee else None):
            return locked
        record(
            locked,
            ProblemEventKind.ASSIGNED,
            by=by,
            old=locked.assignee or "",
            new=assignee or "",
        )
        locked.assignee = assignee
        if assignee is not None:
            _pull_in(locked, assignee)
        _touch(locked)
    return locked


def link_vendor_case(*, problem: Problem | int, by: Any, vendor_case: VendorCase | None) -> Problem:
    """The fix comes from a Level 4 vendor: the referral that carries it."""
    with transaction.atomic():
        locked = _lock(problem)
        ensure_can_manage(by, locked)
        if vendor_case is not None:
            ensure_can_work(by, vendor_case.ticket)
        if locked.vendor_case_id == (vendor_case.pk if vendor_case else None):
            return locked
        label = (
            f"{vendor_case.vendor} {vendor_case.external_reference}".strip()
            if vendor_case is not None
            else ""
        )
        record(locked, ProblemEventKind.VENDOR_CASE, by=by, new=label)
        locked.vendor_case = vendor_case
        _touch(locked)
    return locked


def answer_with_workaround(
    *,
    problem: Problem | int,
    ticket: Ticket | int,
    by: Any,
    channel: str = Channel.PORTAL,
    expected_version: int | None = None,
) -> Ticket:
    """Level 1's one step: link the ticket to the known error and send its requester the
    workaround, in the requester's language, as a public reply."""
    with transaction.atomic():
        locked = _lock(problem)
        if locked.status != ProblemStatus.KNOWN_ERROR:
            raise InvalidTransition(
                _("Only a known error has a workaround to send."), field="problem"
            )
        target = (
            Ticket.objects.select_related("requester")
            .filter(pk=ticket.pk if isinstance(ticket, Ticket) else ticket)
            .first()
        )
        if target is None:
            raise NotFound(_("Ticket not found."))
        ensure_can_work(by, target)
        _link(locked, target, by)
        language = target.requester.language or "es"
        with translation.override(language):
            body = "\n\n".join(
                [
                    _("This is a known issue (%(ref)s) and our team is working on it.")
                    % {"ref": locked.reference},
                    _("Until it is fixed, this should get you going again:"),
                    locked.workaround(language),
                ]
            )
        tickets.add_reply(
            ticket=target,
            by=by,
            body=body,
            channel=channel,
            expected_version=expected_version,
        )
        record(locked, ProblemEventKind.ANSWERED, by=by, new=target.reference, ticket=target)
        _touch(locked)
    target.refresh_from_db()
    return target
