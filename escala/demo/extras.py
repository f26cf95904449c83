"""What the demo adds beside its tickets, so every part of Escala has something to show: the
published knowledge base, macros and triggers, the requests articles solved before they were sent
(deflections) with readers' votes, and satisfaction surveys (most of them answered).

Articles, macros and triggers are few and go through the ORM (articles through the knowledge
actions, so they are written exactly as an agent writes them); deflections, votes and surveys
grow with the tickets and are written with bulk_create in chunks."""

import random
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from escala.automation.models import Macro, Trigger
from escala.knowledge import actions as kb
from escala.knowledge.choices import ArticleState
from escala.knowledge.models import Article, ArticleFeedback, Deflection
from escala.people.models import Agent
from escala.surveys.models import Survey
from escala.tickets.choices import EventKind
from escala.tickets.models import TicketEvent, TierStay
from escala.tiers.models import Category

from . import articles as content
from .organization import DemoOrg

CHUNK = 5000
COMMENTS = {
    "es": [
        "Muy rápidos, gracias.",
        "Me explicaron todo con claridad.",
        "Tardó más de lo esperado.",
        "Tuve que insistir varias veces.",
        "Perfecto, resuelto a la primera.",
    ],
    "en": [
        "Very quick, thank you.",
        "Everything was explained clearly.",
        "It took longer than I expected.",
        "I had to chase it several times.",
        "Perfect, solved first time.",
    ],
}


def build_extras(org: DemoOrg, rng: random.Random, now: datetime, *, tickets: int) -> dict:
    """Everything beside the tickets; returns what was added, for the command to print."""
    published = build_knowledge(rng, now)
    build_automation()
    return {
        "articles": len(published),
        "deflections": add_deflections(org, published, rng, now, count=max(12, tickets // 8)),
        "surveys": add_surveys(rng, now),
    }


def _agent(username: str) -> Agent:
    return Agent.objects.select_related("user").get(user__username=username)


@transaction.atomic
def build_knowledge(rng: random.Random, now: datetime) -> list[Article]:
    """The published articles (idempotent: an existing knowledge base is left as it is)."""
    existing = list(Article.objects.filter(state=ArticleState.PUBLISHED))
    if existing:
        return existing
    author, reviewer = _agent("nuria"), _agent("sara")
    categories = {c.code: c for c in Category.objects.all()}
    made = []
    for code, visibility, es, en in content.ARTICLES:
        article = kb.create_article(
            by=author.user,
            texts={"es": es, "en": en},
            category=categories.get(code),
            visibility=visibility,
        )
        kb.submit_for_review(article=article, by=author.user)
        made.append(kb.publish_article(article=article, by=reviewer.user))
    for article in made:  # written over the past months, not all this minute
        published = now - timedelta(days=rng.uniform(40, 330))
        Article.objects.filter(pk=article.pk).update(
            created_at=published - timedelta(days=2),
            updated_at=published,
            published_at=published,
        )
    return made


def build_automation() -> None:
    for name_en, name_es, body_en, body_es, status in content.MACROS:
        Macro.objects.get_or_create(
            name_en=name_en,
            defaults={
                "name_es": name_es,
                "body_en": body_en,
                "body_es": body_es,
                "set_status": status,
            },
        )
    for order, (name, event, conditions, actions) in enumerate(content.TRIGGERS, start=1):
        Trigger.objects.get_or_create(
            name=name,
            defaults={
                "event": event,
                "conditions": conditions,
                "actions": actions,
                "order": order * 10,
            },
        )


def add_deflections(
    org: DemoOrg, published: list[Article], rng: random.Random, now: datetime, *, count: int
) -> int:
    """Requests an article solved before they were sent, and readers' votes, over the year."""
    public = [a for a in published if a.visibility == "public"]
    if not public or not org.requesters:
        return 0
    deflections, votes = [], []
    for _ in range(count):
        requester = rng.choice(org.requesters)
        language = requester.language if requester.language in ("es", "en") else "es"
        article = rng.choice(public)
        when = now - timedelta(days=rng.random() ** 1.5 * 365)
        deflections.append(
            Deflection(
                article=article,
                requester=requester,
                user_id=requester.user_id,
                query=rng.choice(content.DEFLECTION_QUERIES[language]),
                language=language,
                created_at=when,
            )
        )
        votes.append(
            ArticleFeedback(article=article, helpful=True, language=language, created_at=when)
        )
        if rng.random() < 0.3:
            votes.append(
                ArticleFeedback(
                    article=rng.choice(public),
                    helpful=rng.random() < 0.6,
                    language=language,
                    created_at=when,
                )
            )
    Deflection.objects.bulk_create(deflections, batch_size=CHUNK)
    ArticleFeedback.objects.bulk_create(votes, batch_size=CHUNK)
    return len(deflections)


def add_surveys(rng: random.Random, now: datetime) -> int:
    """A survey for every demo resolution that has none; about six in ten answered."""
    agent_of_user = dict(Agent.objects.values_list("user_id", "pk"))
    resolutions = TicketEvent.objects.filter(kind=EventKind.RESOLVED, survey__isnull=True)
    last, made = 0, 0
    while True:
        chunk = list(
            resolutions.filter(pk__gt=last)
            .order_by("pk")
            .values(
                "pk",
                "ticket_id",
                "created_at",
                "actor_id",
                "ticket__tier_id",
                "ticket__team_id",
                "ticket__requester__language",
            )[:CHUNK]
        )
        if not chunk:
            return made
        last = chunk[-1]["pk"]
        visited: dict[int, set[int]] = {}
        stays = TierStay.objects.filter(ticket_id__in=[r["ticket_id"] for r in chunk])
        for ticket_id, tier_id in stays.values_list("ticket_id", "tier_id"):
            visited.setdefault(ticket_id, set()).add(tier_id)
        surveys = [_survey(row, agent_of_user, rng, now) for row in chunk]
        with transaction.atomic():
            Survey.objects.bulk_create(surveys, batch_size=CHUNK)
            through = Survey.tiers_visited.through
            through.objects.bulk_create(
                [
                    through(survey_id=survey.pk, supporttier_id=tier_id)
                    for survey in surveys
                    for tier_id in visited.get(survey.ticket_id, {survey.tier_id})
                ],
                batch_size=CHUNK,
            )
        made += len(surveys)


def _survey(row: dict, agent_of_user: dict, rng: random.Random, now: datetime) -> Survey:
    survey = Survey(
        ticket_id=row["ticket_id"],
        resolution_id=row["pk"],
        resolved_at=row["created_at"],
        agent_id=agent_of_user.get(row["actor_id"]),
        team_id=row["ticket__team_id"],
        tier_id=row["ticket__tier_id"],
        nonce=secrets.token_hex(16),
    )
    answered = row["created_at"] + timedelta(hours=rng.uniform(0.5, 72))
    if answered < now and rng.random() < 0.6:
        survey.rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 9, 10])[0]
        survey.answered_at = answered
        if rng.random() < 0.3:
            language = row["ticket__requester__language"]
            survey.comment = rng.choice(COMMENTS["en" if language == "en" else "es"])
    return survey
