"""Articles: bilingual text, revisions, the draft → review → published → archived life cycle,
visibility, safe Markdown."""

import pytest
from django.utils import translation

from escala.core.errors import Forbidden, InvalidTransition, StaleObject, ValidationFailed
from escala.knowledge.actions import (
    archive_article,
    change_article_state,
    create_article,
    edit_article,
    publish_article,
    submit_for_review,
)
from escala.knowledge.choices import ALLOWED_TRANSITIONS, ArticleState, Visibility
from escala.knowledge.markdown import render
from escala.knowledge.models import ArticleRevision, ArticleStateChange
from escala.knowledge.permissions import articles_visible_to

pytestmark = pytest.mark.django_db

TEXTS = {
    "es": ("Reiniciar el router", "Desenchufa el **router** 10 segundos."),
    "en": ("Restart the router", "Unplug the **router** for 10 seconds."),
}


def test_a_new_article_is_a_draft_with_one_revision_per_language(l1_agent):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    assert article.state == ArticleState.DRAFT
    assert sorted(article.revisions.values_list("language", flat=True)) == ["en", "es"]
    assert article.translation("en").title == "Restart the router"
    assert article.translation("es").title == "Reiniciar el router"


def test_editing_keeps_the_previous_text_as_a_revision(l1_agent):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    edit_article(
        article=article,
        by=l1_agent.user,
        language="es",
        title="Reiniciar el router de fibra",
        body="Desenchufa el router 30 segundos.",
        note="Más tiempo",
    )
    bodies = list(
        ArticleRevision.objects.filter(article=article, language="es")
        .order_by("number")
        .values_list("body", flat=True)
    )
    assert bodies == ["Desenchufa el **router** 10 segundos.", "Desenchufa el router 30 segundos."]
    assert article.translation("es").title == "Reiniciar el router de fibra"


def test_an_edit_from_an_old_form_is_refused(l1_agent, l1_colleague):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    seen = article.version
    edit_article(article=article, by=l1_colleague.user, language="en", title="X", body="Y")
    with pytest.raises(StaleObject):
        edit_article(
            article=article,
            by=l1_agent.user,
            language="en",
            title="Z",
            body="W",
            expected_version=seen,
        )


def test_an_article_without_a_title_is_refused_on_that_field(l1_agent):
    with pytest.raises(ValidationFailed) as refused:
        create_article(by=l1_agent.user, texts={"es": ("", "texto")})
    assert refused.value.field == "title_es"


def test_requesters_cannot_write_articles(employee):
    with pytest.raises(Forbidden):
        create_article(by=employee.user, texts=TEXTS)


def test_the_life_cycle_goes_through_review(l1_agent, l2_network_agent):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    with pytest.raises(InvalidTransition):
        publish_article(article=article, by=l2_network_agent.user)
    submit_for_review(article=article, by=l1_agent.user)
    publish_article(article=article, by=l2_network_agent.user)
    archive_article(article=article, by=l1_agent.user, reason="Obsoleto")
    article.refresh_from_db()
    assert article.state == ArticleState.ARCHIVED
    assert list(
        ArticleStateChange.objects.filter(article=article).values_list("new_state", flat=True)
    ) == ["draft", "in_review", "published", "archived"]


def test_every_state_has_its_allowed_moves():
    assert set(ALLOWED_TRANSITIONS) == set(ArticleState.values)
    assert ArticleState.PUBLISHED in ALLOWED_TRANSITIONS[ArticleState.IN_REVIEW]
    assert ArticleState.PUBLISHED not in ALLOWED_TRANSITIONS[ArticleState.DRAFT]


def test_level_1_cannot_publish(l1_agent, l1_colleague):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    submit_for_review(article=article, by=l1_agent.user)
    with pytest.raises(Forbidden):
        publish_article(article=article, by=l1_colleague.user)


def test_publishing_needs_both_languages(l1_agent, supervisor):
    article = create_article(by=l1_agent.user, texts={"es": TEXTS["es"]})
    submit_for_review(article=article, by=l1_agent.user)
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        publish_article(article=article, by=supervisor.user)
    assert "English" in refused.value.message
    assert refused.value.field == "state"


def test_an_unknown_state_is_refused_on_the_state_field(l1_agent):
    article = create_article(by=l1_agent.user, texts=TEXTS)
    with pytest.raises(ValidationFailed) as refused:
        change_article_state(article=article, by=l1_agent.user, to="deleted")
    assert refused.value.field == "state"


def test_visibility_decides_who_reads_a_published_article(
    l1_agent, l2_db_specialist, supervisor, employee, tiers
):
    def published(visibility, **kwargs):
        article = create_article(by=l1_agent.user, texts=TEXTS, visibility=visibility, **kwargs)
        submit_for_review(article=article, by=l1_agent.user)
        return publish_article(article=article, by=supervisor.user)

    public = published(Visibility.PUBLIC)
    internal = published(Visibility.INTERNAL)
    level2 = published(Visibility.TIERS, tiers=[tiers[2]])
    draft = create_article(by=l1_agent.user, texts=TEXTS, visibility=Visibility.PUBLIC)

    assert set(articles_visible_to(employee.user)) == {public}
    assert set(articles_visible_to(None)) == {public}
    assert set(articles_visible_to(l1_agent.user)) == {public, internal}
    assert set(articles_visible_to(l2_db_specialist.user)) == {public, internal, level2}
    assert set(articles_visible_to(supervisor.user)) == {public, internal, level2}
    assert draft not in set(articles_visible_to(supervisor.user))


def test_a_restricted_article_needs_its_levels(l1_agent):
    with pytest.raises(ValidationFailed) as refused:
        create_article(by=l1_agent.user, texts=TEXTS, visibility=Visibility.TIERS)
    assert refused.value.field == "tiers"


def test_markdown_is_rendered_without_scripts_or_raw_html():
    html = render(
        "# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">\n\n| a | b |\n|---|---|\n| 1 | 2 |'
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert "<table>" in html
