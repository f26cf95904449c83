"""Property-based: schemathesis throws generated requests at every operation of the OpenAPI
document. No answer may be a 5xx, and every answer must match the documented schema."""

import os
import zlib

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from escala.api.tokens import issue_token
from escala.knowledge.choices import Visibility
from tests.knowledge.conftest import published_article
from tests.tickets.factories import open_ticket

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# `make test` runs a bounded fuzzing pass; ESCALA_FUZZ_FULL=1 adds schemathesis' coverage phase
# (every boundary value of every field: thorough, and minutes long).
PHASES = (
    [Phase.explicit, Phase.generate] if os.environ.get("ESCALA_FUZZ_FULL") else [Phase.generate]
)
MAX_EXAMPLES = int(os.environ.get("ESCALA_FUZZ_EXAMPLES", "10"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Every generated body is also sent under a content type the operation does not declare (or a
# broken one): the answer must be a 4xx in the error shape, never a 5xx and never a success.
UNDECLARED = [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; charset=utf-8",  # no boundary: the 500 found from outside
    "application/json; charset=latin-1",
    "application/octet-stream",
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes the database connection after each request, as a server should; the
    test's transaction lives on that connection, so keep it open (Django's test Client does the
    same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(settings, employee, customer, l1_agent, supervisor, vendor, categories):  # noqa: F811
    """A few tickets and articles of every kind, so generated ids sometimes hit real rows and
    the lists have something to answer."""
    settings.ESCALA_API_RATE_LIMIT = 0
    for requester, category in [(employee, "password"), (customer, "connectivity")]:
        open_ticket(requester, category=categories[category])
    for visibility in (Visibility.PUBLIC, Visibility.INTERNAL):
        published_article(
            l1_agent,
            supervisor,
            visibility=visibility,
            category=categories["connectivity"],
            es=("Conectarse a la VPN", "Abre el **cliente**."),
            en=("Connect to the VPN", "Open the **client**."),
        )
    return {
        "admin": issue_token(
            user=supervisor.user,
            by=None,
            name="fuzz",
            scopes=["tickets:read", "tickets:write"],
        )[1],
        "requester": issue_token(
            user=employee.user, by=None, name="fuzz", scopes=["tickets:read", "tickets:write"]
        )[1],
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    phases=PHASES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_breaks_the_api(case, world):
    for who in ("admin", "requester"):
        case.call_and_validate(headers={"Authorization": f"Bearer {world[who]}"}, checks=CHECKS)
    declared = case.operation.get_request_payload_content_types()
    if not declared or case.body is NOT_SET:
        return
    wrong = [t for t in UNDECLARED if t.split(";")[0] not in declared or ";" in t]
    pick = wrong[zlib.crc32(repr(case.body).encode()) % len(wrong)]
    response = case.call(
        headers={"Authorization": f"Bearer {world['admin']}", "Content-Type": pick}
    )
    assert 400 <= response.status_code < 500, (pick, response.status_code, response.text[:300])
    assert set(response.json()["error"]) == {"code", "message", "fields"}
