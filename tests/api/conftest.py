"""An API client per persona: each holds a personal access token of its user."""

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from escala.api.tokens import issue_token
from tests.tickets.factories import open_ticket


class Api:
    """Speaks JSON to /api/v1/ with a bearer token, as an integration would."""

    def __init__(self, user: Any, scopes: tuple[str, ...] = ("tickets:read", "tickets:write")):
        self.user = user
        self.token, self.raw = issue_token(user=user, by=None, name="tests", scopes=list(scopes))
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.raw}")

    def _call(self, method: str, path: str, body: Any = None, **extra: Any):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        call = getattr(self.client, method)
        if body is None:
            return call(url, **extra)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return call(url, data=data, content_type="application/json", **extra)

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1/{path}", params)

    def post(self, path: str, body: Any = None, **extra: Any):
        return self._call("post", path, {} if body is None else body, **extra)

    def patch(self, path: str, body: Any):
        return self._call("patch", path, body)

    def delete(self, path: str):
        return self._call("delete", path)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Personas get passwords; the real hasher's cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as():
    def make(persona: Any, *scopes: str) -> Api:
        user = getattr(persona, "user", persona)
        return Api(user, scopes or ("tickets:read", "tickets:write"))

    return make


@pytest.fixture
def employee_ticket(employee, categories):
    return open_ticket(employee, category=categories["password"], subject="Olvidé la contraseña")


@pytest.fixture
def customer_ticket(customer, categories):
    return open_ticket(customer, category=categories["connectivity"], subject="Sin conexión")


@pytest.fixture
def colleague_ticket(customer_colleague, categories):
    return open_ticket(customer_colleague, category=categories["erp"], subject="ERP lento")


@pytest.fixture
def database_ticket(employee, categories):
    return open_ticket(employee, category=categories["database"], subject="La base de datos cae")
