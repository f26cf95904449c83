from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.people.models import Requester
from escala.tickets.models import Ticket
from escala.tiers.models import Category, SupportTier, Team

from .choices import ArticleState, Language, UseKind, Visibility


class Article(models.Model):
    """One piece of knowledge, written in Spanish and English (ArticleTranslation rows)."""

    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    tiers = models.ManyToManyField(
        SupportTier,
        blank=True,
        related_name="articles",
        verbose_name=_("levels"),
        help_text=_("Who may read a restricted article."),
    )
    source_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_of_articles",
        verbose_name=_("written from ticket"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Bumped by every action: an edit form built from an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["state", "visibility"], name="article_state_visibility")]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return f"KB-{self.pk}"

    @property
    def reference(self) -> str:
        return f"KB-{self.pk:05d}"

    def translation(self, language: str | None = None) -> "ArticleTranslation | None":
        """The version in `language`, else the other one (prefetch `translations` to avoid a
        query per article)."""
        from django.utils.translation import get_language

        wanted = (language or get_language() or "es")[:2]
        found = list(self.translations.all())
        for t in found:
            if t.language == wanted:
                return t
        return found[0] if found else None


class ArticleTranslation(models.Model):
    """The current text of an article in one language. Every save also writes a revision."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="translations", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["article", "language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="translation_once")
        ]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleRevision(models.Model):
    """Every saved text, kept: who wrote what, when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    note = models.CharField(_("change note"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_once")
        ]
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")

    def __str__(self) -> str:
        return f"KB-{self.article_id} r{self.number} ({self.language})"


class ArticleStateChange(models.Model):
    """The article's life cycle, one row per move (draft → in review → published ...)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="state_changes")
    old_state = models.CharField(max_length=12, choices=ArticleState.choices, blank=True)
    new_state = models.CharField(max_length=12, choices=ArticleState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"KB-{self.article_id} {self.old_state} → {self.new_state}"


class ArticleFeedback(models.Model):
    """One answer to "did this help?"."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "helpful"], name="feedback_article")]

    def __str__(self) -> str:
        return f"KB-{self.article_id} {'+' if self.helpful else '-'}"


class Deflection(models.Model):
    """A request that was never filed: the requester read an article and said it solved it."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="deflections")
    requester = models.ForeignKey(
        Requester, on_delete=models.SET_NULL, null=True, blank=True, related_name="deflections"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.TextField(_("what the requester typed"), blank=True)
    language = models.CharField(max_length=2, choices=Language.choices)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deflected request")
        verbose_name_plural = _("deflected requests")

    def __str__(self) -> str:
        return f"KB-{self.article_id} deflected @ {self.created_at:%Y-%m-%d}"


class ArticleUse(models.Model):
    """An article linked to a ticket: written from it, or used on it at some level."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_uses")
    kind = models.CharField(max_length=10, choices=UseKind.choices)
    tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="+", verbose_name=_("level")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket", "kind"], name="article_use_once")
        ]

    def __str__(self) -> str:
        return f"KB-{self.article_id} {self.kind} #{self.ticket_id}"


class TriageSuggestion(models.Model):
    """What the triage model proposes for a new ticket, with its confidence."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="triage")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category_confidence = models.FloatField(default=0.0)
    tier = models.ForeignKey(
        SupportTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier_confidence = models.FloatField(default=0.0)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team_confidence = models.FloatField(default=0.0)
    applied = models.BooleanField(default=False)
    model_trained_at = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("triage suggestion")
        verbose_name_plural = _("triage suggestions")

    def __str__(self) -> str:
        return f"triage #{self.ticket_id}"
