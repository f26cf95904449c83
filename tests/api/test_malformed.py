"""Every malformed request gets a 4xx in the one error shape, on every operation with a body.

The operations come from the OpenAPI document itself, so a new operation is covered the day it
is added. Each one gets bodies with undeclared content types, broken multipart, invalid JSON,
bytes that are not UTF-8, and a body over the size limit.
"""

import re

import pytest
from django.test import Client

from escala.api.main import api
from escala.api.tokens import issue_token
from tests.tickets.factories import open_ticket

MULTIPART = "multipart/form-data"


def _operations() -> list[tuple[str, str, list[str]]]:
    schema = api.get_openapi_schema()
    out = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method in ("post", "put", "patch", "delete"):
                declared = list((op.get("requestBody") or {}).get("content", {}))
                out.append((method, path, declared))
    return out


OPERATIONS = _operations()

# (name, content type, body): none of these is a well-formed body of a declared type.
BAD_BODIES = [
    ("text/plain", "text/plain", b'{"body": "hello"}'),
    ("xml", "application/xml", b"<ticket><subject>x</subject></ticket>"),
    ("urlencoded", "application/x-www-form-urlencoded", b"subject=x&body=y"),
    ("multipart without boundary", MULTIPART, b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
    ("multipart with an empty boundary", f"{MULTIPART}; boundary=", b"--\r\n"),
    ("multipart cut in its headers", f"{MULTIPART}; boundary=zz", b"--zz\r\nContent-Dispo"),
    ("multipart that is not multipart", f"{MULTIPART}; boundary=zz", b"garbage"),
    ("garbage content type", "\x00;;==", b"{}"),
    ("invalid JSON", "application/json", b'{"body": '),
    ("not UTF-8", "application/json", b'{"body": "\xff\xfe caf\xe9"}'),
    ("declared other charset", "application/json; charset=utf-16", '{"a": 1}'.encode("utf-16")),
    ("JSON that is a string", "application/json", b'"just a string"'),
    ("deeply nested JSON", "application/json", b"[" * 5000 + b"]" * 5000),
]


@pytest.fixture
def client_and_ids(supervisor, employee, categories, settings):
    settings.ESCALA_API_RATE_LIMIT = 0
    ticket = open_ticket(employee, category=categories["password"])
    raw = issue_token(
        user=supervisor.user, by=None, name="t", scopes=["tickets:read", "tickets:write"]
    )[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), ticket.pk


def _url(path: str, ticket_id: int) -> str:
    return re.sub(r"\{[a-z_]+\}", str(ticket_id), path)


def _assert_error_shape(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "declared"), OPERATIONS, ids=lambda v: str(v))
def test_every_malformed_body_is_refused_with_a_4xx_in_the_error_shape(
    client_and_ids, method, path, declared
):
    client, ticket_id = client_and_ids
    url = _url(path, ticket_id)
    for name, content_type, body in BAD_BODIES:
        response = client.generic(method.upper(), url, body, content_type=content_type)
        assert response.status_code != 500, name
        if response.status_code < 400 and not declared:
            continue  # an operation without a body may ignore one
        _assert_error_shape(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "declared"), [op for op in OPERATIONS if op[2]], ids=lambda v: str(v)
)
def test_an_undeclared_content_type_is_415(client_and_ids, method, path, declared):
    client, ticket_id = client_and_ids
    for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        response = client.generic(
            method.upper(), _url(path, ticket_id), b"a=1", content_type=content_type
        )
        assert response.status_code == 415, (content_type, response.content[:200])
        assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "declared"), [op for op in OPERATIONS if op[2]], ids=lambda v: str(v)
)
def test_a_body_over_the_limit_is_413(client_and_ids, settings, method, path, declared):
    client, ticket_id = client_and_ids
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"body": "' + b"x" * 5000 + b'"}'
    content_type = declared[0]
    if content_type == MULTIPART:
        content_type = f"{MULTIPART}; boundary=zz"
        body = b'--zz\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
        body += b"x" * 5000 + b"\r\n--zz--\r\n"
    response = client.generic(
        method.upper(), _url(path, ticket_id), body, content_type=content_type
    )
    assert response.status_code == 413, response.content[:200]
    _assert_error_shape(response)


@pytest.mark.django_db
def test_the_multipart_reply_without_a_boundary_is_a_400_not_a_server_error(client_and_ids):
    """The case found from outside: it used to answer 500 (MultiPartParserError)."""
    client, ticket_id = client_and_ids
    response = client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        b"body=hello",
        content_type=MULTIPART,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
