import pytest


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    settings.LANGUAGE_CODE = "en"
