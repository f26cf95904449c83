"""The kept translations and dates (issue #20) write what Django's own tags and filters write."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import dateformat, translation

from escala.core import dates

MADRID = ZoneInfo("Europe/Madrid")
FORMATS = [
    "m/d/Y P",
    "N j, Y, P",
    "d/m/Y H:i",
    r"j \d\e F \d\e Y \a \l\a\s H:i",
    "D, d M Y H:i:s a A b E f g G h l L n o S t u w W y z",
    "c",
    "r",  # the time zone's: Django's own
    "e O T Z I U",
]
MOMENTS = [
    datetime(2026, month, 1 + month, hour, minute, tzinfo=MADRID)
    for month in range(1, 13)
    for hour, minute in ((0, 0), (0, 30), (11, 59), (12, 0), (12, 5), (23, 0))
] + [
    datetime(2026, 3, 29, 2, 30),  # noqa: DTZ001 - a naive one, on purpose
    datetime(2026, 10, 25, 2, 30, tzinfo=MADRID),
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_kept_dates_read_as_djangos(language, fmt):
    with translation.override(language):
        for moment in MOMENTS:
            assert dates.format(moment, fmt) == dateformat.format(moment, fmt), (moment, fmt)


def test_the_kept_words_follow_the_language():
    moment = datetime(2026, 1, 5, 9, 0, tzinfo=MADRID)
    with translation.override("en"):
        assert dates.format(moment, "F a") == "January a.m."
    with translation.override("es"):
        assert dates.format(moment, "F a") == dateformat.format(moment, "F a") != "January a.m."


@pytest.fixture(autouse=True)
def _not_debug(settings):
    settings.DEBUG = False  # with DEBUG on nothing is kept


@pytest.mark.parametrize(
    "body",
    [
        '{% translate "Conversation" %}',
        '{% translate "Resolve" as t %}[{{ t }}]',
        '{% translate "History" context "ticket timeline" %}',
        "{% translate 'Save' noop %}",
        '{% translate "100%% sure <b>" %}',
        "{% translate word %}",
        '{% translate "Sign out"|upper %}',
        '{% trans "Details" %}',
        '{% autoescape off %}{% translate "A & B" %}{% endautoescape %}',
    ],
)
def test_kept_translations_read_as_djangos(body):
    django = Template("{% load i18n %}" + body)
    kept = Template("{% load i18n kept_i18n %}" + body)
    for language in ("en", "es", "en", "es"):  # the second round reads the kept copies
        with translation.override(language):
            context = {"word": "Conversation"}
            assert kept.render(Context(context)) == django.render(Context(context))


def test_a_kept_translation_is_the_active_languages():
    kept = Template('{% load i18n kept_i18n %}{% translate "Conversation" %}')
    with translation.override("en"):
        assert kept.render(Context()) == "Conversation"
    with translation.override("es"):
        assert kept.render(Context()) == "Conversación"


def test_kept_date_filter_reads_as_djangos_date_filter(settings):
    settings.USE_TZ = True
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=MADRID) + timedelta(minutes=7)
    for name in ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "Y-m-d H:i"):
        django = Template(f'{{{{ when|date:"{name}" }}}}')
        kept = Template(f'{{% load kept_tags %}}{{{{ when|kept_date:"{name}" }}}}')
        for language in ("en", "es"):
            with translation.override(language):
                for value in (moment, None, ""):
                    context = {"when": value}
                    assert kept.render(Context(context)) == django.render(Context(context))
