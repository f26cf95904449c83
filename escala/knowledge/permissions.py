"""Who may read and who may manage which article: the one policy, as querysets."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, NotFound
from escala.people import access
from escala.people.queries import agent_of, is_admin, team_and_tier_ids

from .choices import ArticleState, Visibility
from .models import Article

User = AbstractBaseUser | AnonymousUser


is_staff_member = access.is_staff_member  # the one definition, in people.access


def readable_scope(user: User | None) -> Q:
    """Which visibilities `user` may read: the public ones for everyone (the portal needs no
    login to read them), internal ones for agents, tier-restricted ones for agents of a team at
    one of those levels (supervisors and admins: all)."""
    public = Q(visibility=Visibility.PUBLIC)
    if is_admin(user):
        return Q()
    agent = agent_of(user)
    if agent is None:
        return public
    if agent.is_supervisor:
        return Q()
    _team_ids, tier_ids = team_and_tier_ids(agent)
    return (
        public
        | Q(visibility=Visibility.INTERNAL)
        | Q(visibility=Visibility.TIERS, tiers__in=tier_ids)
    )


def articles_visible_to(user: User | None, *, public_only: bool = False) -> QuerySet[Article]:
    """Published articles `user` may read (`public_only`: as the portal shows them)."""
    articles = Article.objects.filter(state=ArticleState.PUBLISHED)
    scope = Q(visibility=Visibility.PUBLIC) if public_only else readable_scope(user)
    articles = articles.filter(scope)
    if not public_only and is_staff_member(user) and not (is_admin(user)):
        articles = articles.distinct()
    return articles


def articles_managed_by(user: User | None) -> QuerySet[Article]:
    """Every article in any state, for agents: the knowledge base is written by the whole desk."""
    if not is_staff_member(user):
        return Article.objects.none()
    return Article.objects.all()


def access_article(user: User | None, article_id: int, *, manage: bool = False) -> Article:
    articles = articles_managed_by(user) if manage else articles_visible_to(user)
    try:
        return articles.get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Article not found.")) from None


def ensure_can_write(user: User | None) -> None:
    if user is not None and not is_staff_member(user):
        raise Forbidden(_("Only help desk agents can write articles."))


def ensure_can_review(user: User | None) -> None:
    """Publishing is a reviewer's act: a supervisor, an admin, or an agent above Level 1."""
    if user is None or is_admin(user):
        return
    agent = agent_of(user)
    if agent is None:
        raise Forbidden(_("Only help desk agents can review articles."))
    if agent.is_supervisor:
        return
    levels = set(agent.teams.values_list("tier__level", flat=True))
    if not levels or max(levels) < 2:
        raise Forbidden(_("Only supervisors and Level 2 or higher agents can publish articles."))
