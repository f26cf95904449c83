import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_trigger_memory():
    """Test transactions roll back and event ids come round again: start each test clean."""
    from escala.automation.triggers import forget_caused

    forget_caused()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): action(...)` runs the after-commit listeners as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
