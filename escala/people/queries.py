"""Who is this user, as far as the help desk is concerned?"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Agent, Requester


def agent_of(user: AbstractBaseUser | AnonymousUser | None) -> Agent | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        agent = user.agent  # type: ignore[union-attr]
    except Agent.DoesNotExist:
        return None
    # An inactive agent (e.g. no agent group left in the directory) is no agent at all.
    return agent if agent.is_active else None


def requester_of(user: AbstractBaseUser | AnonymousUser | None) -> Requester | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.requester  # type: ignore[union-attr]
    except Requester.DoesNotExist:
        return None


def is_admin(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)  # type: ignore[union-attr]


def team_and_tier_ids(agent: Agent) -> tuple[list[int], list[int]]:
    """The agent's team ids and the ids of those teams' tiers, in one query, kept on the agent
    object: a page asks more than once (visibility, then the queue), and lives one request."""
    if (known := getattr(agent, "_team_and_tier_ids", None)) is not None:
        return known
    pairs = list(agent.teams.values_list("pk", "tier_id"))
    known = [team for team, _tier in pairs], sorted({tier for _team, tier in pairs})
    agent._team_and_tier_ids = known  # type: ignore[attr-defined]
    return known
