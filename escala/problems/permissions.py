"""The problems policy: every agent sees the problems (Level 1 must find known errors); the owners
work them; anyone who may work a ticket may link it to a problem."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, NotFound
from escala.people.queries import agent_of, is_admin, team_and_tier_ids
from escala.tickets.permissions import is_staff_member

from .models import Problem

User = AbstractBaseUser | AnonymousUser


def problems_visible_to(user: User | None) -> QuerySet[Problem]:
    if user is None or is_staff_member(user):
        return Problem.objects.all()
    return Problem.objects.none()


def access_problem(user: User | None, problem_id: int, *, for_update: bool = False) -> Problem:
    problems = problems_visible_to(user)
    if for_update:
        problems = problems.select_for_update()
    try:
        return problems.get(pk=problem_id)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Problem not found.")) from None


def can_manage(user: User | None, problem: Problem) -> bool:
    """The owners: agents of the owning team, or of any team at the owning level; supervisors
    and admins. `None` is the system."""
    if user is None or is_admin(user):
        return True
    agent = agent_of(user)
    if agent is None:
        return False
    if agent.is_supervisor:
        return True
    team_ids, tier_ids = team_and_tier_ids(agent)
    if problem.owner_team_id is not None:
        return problem.owner_team_id in team_ids
    return problem.owner_tier_id in tier_ids


def ensure_can_manage(user: User | None, problem: Problem) -> None:
    if not can_manage(user, problem):
        raise Forbidden(
            _("Only the problem's owners (%(level)s) can do this.")
            % {"level": problem.owner_team or problem.owner_tier}
        )


def ensure_staff(user: User | None) -> None:
    if user is not None and not is_staff_member(user):
        raise Forbidden(_("Only help desk agents can do this."))
