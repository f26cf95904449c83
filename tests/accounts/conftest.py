import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from escala.core import memo


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """The rate limits live in the cache: each test starts and leaves with none counted."""
    cache.clear()
    memo.forget_config()
    yield
    cache.clear()
    memo.forget_config()


class Clock:
    """allauth's rate limits read time.time(): moved forward here, never slept."""

    def __init__(self, monkeypatch) -> None:
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(
            "allauth.core.internal.ratelimit.time.time", lambda: real() + self.offset
        )

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def limit_clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def sign_in(username: str, password: str, address: str = "10.0.0.1", **extra) -> tuple:
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


LOCKED = ("Too many failed login attempts", "Demasiados intentos fallidos")


def refused_as_locked(response) -> bool:
    body = response.content.decode()
    return response.status_code == 200 and any(message in body for message in LOCKED)
