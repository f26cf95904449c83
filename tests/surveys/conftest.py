import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _leave_the_language_as_found():
    # Test-client requests run LocaleMiddleware, which activates a language for the thread and
    # leaves it there; later test modules must not inherit it.
    before = translation.get_language()
    yield
    if before is None:
        translation.deactivate_all()
    else:
        translation.activate(before)
