import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_trigger_memory():
    """Test transactions roll back and event ids come round again: start each test clean."""
    from escala.automation.triggers import forget_caused

    forget_caused()
