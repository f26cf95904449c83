import contextlib

import pytest

from escala.tickets import events


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_trigger_memory():
    """Test transactions roll back and event ids come round again: start each test clean."""
    from escala.automation.triggers import forget_caused

    forget_caused()


@pytest.fixture(params=["inline", "worker"])
def committed(request, settings, django_capture_on_commit_callbacks):
    """`with committed(): action(...)` runs the after-commit listeners (clocks, routing,
    triggers) as a real commit would: right after it ("inline"), or through the worker's relay
    of the queued events ("worker", the default outside tests). Each test runs both ways."""
    settings.ESCALA_EVENT_RELAY = request.param

    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        if request.param == "worker":
            with django_capture_on_commit_callbacks(execute=True):
                events.relay_all()

    return run
