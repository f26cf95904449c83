"""Every action of the service layer through the API, and its refusals as 4xx with a field."""

import pytest

from escala.tickets.choices import Status
from escala.tickets.models import Ticket, TicketLink
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_an_escalation_without_a_reason_is_refused_with_the_field(
    api_as, l1_agent, employee_ticket
):
    response = api_as(l1_agent).post(
        f"tickets/{employee_ticket.pk}/escalate", {"reason": "   ", "handover": "Probado todo"}
    )
    assert response.status_code == 422
    assert "reason" in response.json()["error"]["fields"]


def test_an_impossible_status_is_a_conflict(api_as, l1_agent, employee_ticket):
    response = api_as(l1_agent).post(
        f"tickets/{employee_ticket.pk}/status", {"status": "pending_vendor"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_a_stale_version_is_a_conflict_and_changes_nothing(api_as, l1_agent, employee_ticket):
    response = api_as(l1_agent).patch(
        f"tickets/{employee_ticket.pk}", {"subject": "Otro asunto", "expected_version": 99}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    employee_ticket.refresh_from_db()
    assert employee_ticket.subject == "Olvidé la contraseña"


def test_an_agent_updates_fields_and_the_priority_follows_the_matrix(
    api_as, l1_agent, employee_ticket
):
    response = api_as(l1_agent).patch(
        f"tickets/{employee_ticket.pk}", {"impact": "high", "urgency": "high"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "critical"


def test_a_requester_cannot_claim_their_own_ticket(api_as, employee, employee_ticket):
    response = api_as(employee).post(f"tickets/{employee_ticket.pk}/claim")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_requester_cannot_write_internal_notes(api_as, employee, employee_ticket):
    response = api_as(employee).post(f"tickets/{employee_ticket.pk}/notes", {"body": "hola"})
    assert response.status_code == 403


def test_an_agent_cannot_touch_a_ticket_outside_their_tiers(api_as, l1_agent, database_ticket):
    response = api_as(l1_agent).post(f"tickets/{database_ticket.pk}/claim")
    assert response.status_code == 404


def test_assign_status_de_escalate_close(api_as, supervisor, l1_colleague, employee_ticket, teams):
    boss = api_as(supervisor)
    path = f"tickets/{employee_ticket.pk}"
    assigned = boss.post(f"{path}/assign", {"assignee_id": l1_colleague.pk})
    assert assigned.json()["assignee"]["name"] == "Pablo"
    assert boss.post(f"{path}/status", {"status": "pending_customer"}).json()["status"] == (
        Status.PENDING_CUSTOMER
    )
    up = boss.post(f"{path}/escalate", {"reason": "r", "handover": "h", "to_tier": 3})
    assert up.json()["tier"]["level"] == 3
    down = boss.post(f"{path}/de-escalate", {"note": "Aplicad el arreglo conocido"})
    assert down.json()["tier"]["level"] == 1
    unresolved = boss.post(f"{path}/close", {})
    assert unresolved.status_code == 422
    assert "reason" in unresolved.json()["error"]["fields"]
    closed = boss.post(f"{path}/close", {"reason": "Duplicado de una llamada"})
    assert closed.json()["status"] == Status.CLOSED


def test_assigning_someone_outside_the_tier_names_the_field(
    api_as, supervisor, l2_db_specialist, employee_ticket
):
    response = api_as(supervisor).post(
        f"tickets/{employee_ticket.pk}/assign", {"assignee_id": l2_db_specialist.pk}
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["assignee"]


def test_merge_link_parent_and_participants(
    api_as, l1_agent, l2_network_agent, employee, categories
):
    first = open_ticket(employee, category=categories["password"])
    second = open_ticket(employee, category=categories["password"], subject="Lo mismo")
    third = open_ticket(employee, category=categories["password"], subject="Otra cosa")
    lucia = api_as(l1_agent)

    link = lucia.post(f"tickets/{first.pk}/links", {"target_id": third.pk, "kind": "related"})
    assert link.status_code == 201, link.content
    assert [x["id"] for x in lucia.get(f"tickets/{third.pk}/links").json()] == [link.json()["id"]]
    assert lucia.delete(f"tickets/{first.pk}/links/{link.json()['id']}").status_code == 204
    assert not TicketLink.objects.exists()

    assert lucia.post(f"tickets/{third.pk}/parent", {"parent_id": first.pk}).json()[
        "parent_id"
    ] == (first.pk)
    pulled = lucia.post(f"tickets/{first.pk}/participants", {"agent_id": l2_network_agent.pk})
    assert pulled.status_code == 200
    assert api_as(l2_network_agent).get(f"tickets/{first.pk}").status_code == 200

    merged = lucia.post(f"tickets/{second.pk}/merge", {"into_id": first.pk, "reason": "dup"})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == first.pk
    assert Ticket.objects.get(pk=second.pk).merged_into_id == first.pk


def test_an_agent_files_a_ticket_for_a_caller(api_as, l1_agent, customer):
    response = api_as(l1_agent).post(
        "tickets",
        {
            "subject": "Llamada",
            "body": "No funciona",
            "requester_id": customer.pk,
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["requester"]["name"] == customer.name


def test_a_requester_cannot_file_for_someone_else(api_as, employee, customer):
    response = api_as(employee).post(
        "tickets", {"subject": "x", "body": "y", "requester_id": customer.pk}
    )
    assert response.status_code == 403


def test_attachments_go_up_as_multipart_and_come_back_down(api_as, employee, employee_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    me = api_as(employee)
    upload = SimpleUploadedFile("captura.png", b"\x89PNG fake", content_type="image/png")
    response = me.client.post(
        f"/api/v1/tickets/{employee_ticket.pk}/messages",
        {"body": "Adjunto captura", "files": [upload]},
    )
    assert response.status_code == 201, response.content
    attachment = response.json()["attachments"][0]
    assert (attachment["filename"], attachment["size"]) == ("captura.png", 9)
    download = me.client.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG fake"


def test_a_forbidden_attachment_type_is_refused_with_the_field(api_as, employee, employee_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = api_as(employee).client.post(
        f"/api/v1/tickets/{employee_ticket.pk}/messages", {"body": "ojo", "files": [upload]}
    )
    assert response.status_code == 422
    assert "attachments" in response.json()["error"]["fields"]
