import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Tests read English text; the Spanish pages have their own tests."""
    settings.LANGUAGE_CODE = "en"
