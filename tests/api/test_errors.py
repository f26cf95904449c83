"""Bad input of every kind gets a 4xx in the one error shape; never a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def shape(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_malformed_json_is_a_400(api_as, employee):
    response = api_as(employee).post("tickets", '{"subject": "x", ')
    assert response.status_code == 400
    assert shape(response)["code"] == "bad_request"


def test_wrong_types_name_their_fields(api_as, employee):
    response = api_as(employee).post(
        "tickets", {"subject": 12, "body": ["a"], "category_id": "abc", "impact": "huge"}
    )
    assert response.status_code == 422
    fields = shape(response)["fields"]
    assert {"subject", "body", "category_id", "impact"} <= set(fields)


def test_unknown_fields_are_refused(api_as, employee):
    response = api_as(employee).post(
        "tickets", {"subject": "Hola", "body": "Texto", "status": "resolved"}
    )
    assert response.status_code == 422
    assert list(shape(response)["fields"]) == ["status"]


def test_a_missing_field_is_named(api_as, employee):
    response = api_as(employee).post("tickets", {"subject": "Sin cuerpo"})
    assert response.status_code == 422
    assert "body" in shape(response)["fields"]


def test_text_a_database_cannot_store_is_refused(api_as, employee):
    response = api_as(employee).post("tickets", {"subject": "a\x00b", "body": "ok"})
    assert response.status_code == 422
    assert "subject" in shape(response)["fields"]


def test_a_huge_payload_is_a_413(api_as, employee, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api_as(employee).post("tickets", {"subject": "x", "body": "y" * 20_000})
    assert response.status_code == 413
    assert shape(response)["code"] == "too_large"


def test_an_overlong_body_is_a_field_error(api_as, employee):
    response = api_as(employee).post("tickets", {"subject": "x" * 251, "body": "y"})
    assert response.status_code == 422
    assert "subject" in shape(response)["fields"]


def test_an_id_beyond_any_database_integer_is_a_422_not_a_crash(api_as, l1_agent):
    assert api_as(l1_agent).get(f"tickets/{2**70}").status_code == 422


def test_a_bad_cursor_is_a_field_error(api_as, l1_agent):
    response = api_as(l1_agent).get("tickets", cursor="not-a-cursor")
    assert response.status_code == 422
    assert "cursor" in shape(response)["fields"]


def test_an_unknown_endpoint_is_a_json_404(api_as, l1_agent):
    response = api_as(l1_agent).client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert shape(response)["code"] == "not_found"


def test_without_credentials_the_api_answers_401(db):
    response = Client().get("/api/v1/tickets")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert shape(response)["code"] == "unauthorized"


def test_a_garbage_token_is_a_401(db):
    response = Client(HTTP_AUTHORIZATION="Bearer esc_nope_nope").get("/api/v1/tickets")
    assert response.status_code == 401


def test_errors_speak_the_callers_language(api_as, employee):
    api = api_as(employee)
    spanish = api.client.post(
        "/api/v1/tickets",
        '{"subject": "x", "body": "y", "colour": "red"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    english = api.client.post(
        "/api/v1/tickets",
        '{"subject": "x", "body": "y", "colour": "red"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert spanish.json()["error"]["fields"]["colour"] == ["Campo desconocido."]
    assert english.json()["error"]["fields"]["colour"] == ["Unknown field."]


def test_the_openapi_document_and_the_docs_are_served(db):
    document = Client().get("/api/v1/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}/escalate", "/api/v1/webhooks"):
        assert path in paths
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"/static/ninja/" in docs.content  # no CDN: the desk may have no internet


def test_a_time_filter_with_an_unusual_offset_is_read_not_a_server_error(api_as, l1_agent):
    lucia = api_as(l1_agent)
    # Valid ISO 8601, but an offset PostgreSQL refuses: the API compares in UTC.
    odd = "0052-04-12T20:28:13.4-22:12"
    assert lucia.get("tickets", created_after=odd).status_code == 200
    assert lucia.get("tickets", created_before=odd).status_code == 200
    assert lucia.get("articles", updated_after=odd).status_code == 200
    edge = lucia.get("tickets", created_after="0001-01-01T00:00:00+10:00")
    assert edge.status_code == 422
    assert "created_after" in shape(edge)["fields"]
