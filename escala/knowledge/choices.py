from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# The one state machine of an article. Every action that moves one checks it here.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleState.DRAFT: frozenset({ArticleState.IN_REVIEW, ArticleState.ARCHIVED}),
    ArticleState.IN_REVIEW: frozenset(
        {ArticleState.DRAFT, ArticleState.PUBLISHED, ArticleState.ARCHIVED}
    ),
    ArticleState.PUBLISHED: frozenset({ArticleState.DRAFT, ArticleState.ARCHIVED}),
    ArticleState.ARCHIVED: frozenset({ArticleState.DRAFT}),
}


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (portal)")
    INTERNAL = "internal", _("Internal (all agents)")
    TIERS = "tiers", _("Restricted to some levels")


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class UseKind(models.TextChoices):
    SUGGESTED_OPENED = "opened", _("Opened from a suggestion")
    INSERTED = "inserted", _("Inserted into a reply")
    SENT = "sent", _("Sent to the requester")
    SOURCE = "source", _("Written from this ticket")
