"""Deflected requests for the tier dashboard (escala.reports), added through its EXTENSIONS hook
so the reports app never imports the knowledge base."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Article, ArticleTranslation, Deflection


@dataclass
class Deflections:
    total: int = 0
    by_article: list[tuple[str, str, int]] = field(default_factory=list)  # reference, title, n
    weeks: dict[date, int] = field(default_factory=dict)  # Monday -> deflections


def deflections_in(filters: Any) -> Deflections:
    """Requests deflected in the period: a requester read an article while writing a request
    and said it solved the problem. Organization: the requester's; category: the article's.
    A deflected request never reached a team, so with a team chosen there are none."""
    found = Deflections()
    if filters.team_id:
        return found
    rows = Deflection.objects.filter(
        created_at__gte=filters.since, created_at__lt=filters.until
    ).order_by()
    if filters.organization_id:
        rows = rows.filter(requester__organization_id=filters.organization_id)
    if filters.category_id:
        rows = rows.filter(article__category_id=filters.category_id)
    # One pass: deflections per article and local day; the totals and weeks come from it.
    local_day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    counts: dict[int, int] = {}
    for article_id, day, n in (
        rows.annotate(day=local_day).values_list("article_id", "day").annotate(n=Count("pk"))
    ):
        counts[article_id] = counts.get(article_id, 0) + n
        monday = day - timedelta(days=day.weekday())
        found.weeks[monday] = found.weeks.get(monday, 0) + n
    found.total = sum(counts.values())
    if not counts:
        return found
    texts = ArticleTranslation.objects.only("article", "language", "title")
    articles = Article.objects.filter(pk__in=counts).prefetch_related(
        Prefetch("translations", queryset=texts)
    )
    titles = {}
    for article in articles:
        text = article.translation()
        titles[article.pk] = (article.reference, text.title if text else "")
    found.by_article = sorted(
        ((*titles.get(pk, (f"KB-{pk:05d}", "")), n) for pk, n in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )
    return found


def contribute(dash: Any) -> None:
    dash.extra["deflections"] = deflections_in(dash.filters)
