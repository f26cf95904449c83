"""The web journey of SCENARIOS.md, replayed through the API alone."""

import pytest

from escala.tickets.choices import Status

pytestmark = pytest.mark.django_db


def test_a_ticket_travels_l1_to_vendor_and_back_through_the_api_only(
    api_as, employee, l1_agent, l2_is_agent, vendor, categories, teams
):
    requester, lucia, iker = api_as(employee), api_as(l1_agent), api_as(l2_is_agent)

    created = requester.post(
        "tickets",
        {
            "subject": "El cierre de mes del ERP falla",
            "body": "Error ORA-600 al cerrar el mes.",
            "category_id": categories["erp"].pk,
        },
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert (ticket["tier"]["level"], ticket["status"], ticket["channel"]) == (1, "new", "api")
    path = f"tickets/{ticket['id']}"

    claimed = lucia.post(f"{path}/claim", {"expected_version": ticket["version"]}).json()
    assert claimed["assignee"]["name"] == "Lucia"
    assert claimed["status"] == Status.OPEN

    reply = lucia.post(f"{path}/replies", {"body": "Lo estamos mirando.", "time_spent_minutes": 5})
    assert reply.status_code == 201
    escalated = lucia.post(
        f"{path}/escalate",
        {
            "reason": "Error desconocido del ERP",
            "handover": "Reinicié el cliente; el error persiste con otro usuario.",
        },
    )
    assert escalated.status_code == 200, escalated.content
    assert escalated.json()["tier"]["level"] == 2
    assert escalated.json()["team"]["name"] == "Information Systems"

    assert iker.post(f"{path}/claim").status_code == 200
    referred = iker.post(
        f"{path}/refer",
        {"vendor_id": vendor.pk, "reason": "Fallo del producto en el cierre"},
    )
    assert referred.status_code == 200, referred.content
    numbered = iker.post(f"{path}/vendor-case-number", {"case_number": "VND-4711"}).json()
    assert (numbered["status"], numbered["vendor"]["name"], numbered["vendor_case_number"]) == (
        Status.PENDING_VENDOR,
        vendor.name,
        "VND-4711",
    )

    resolved = iker.post(f"{path}/resolve", {"summary": "Parche 12.2.4 del proveedor aplicado."})
    assert resolved.json()["status"] == Status.RESOLVED

    seen = requester.get(path).json()
    assert (seen["status"], seen["resolution_summary"]) == (
        Status.RESOLVED,
        "Parche 12.2.4 del proveedor aplicado.",
    )
    thread = requester.get(f"{path}/messages").json()
    assert [m["body"] for m in thread] == [
        "Error ORA-600 al cerrar el mes.",
        "Lo estamos mirando.",
    ]
    reopened = requester.post(f"{path}/reopen", {"reason": "Vuelve a fallar hoy."})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == Status.REOPENED

    kinds = [e["kind"] for e in iker.get(f"{path}/events").json()]
    for kind in ("created", "claimed", "replied", "escalated", "referred_to_vendor", "resolved"):
        assert kind in kinds
    assert kinds[-1] == "reopened"
    path_levels = [s["tier"]["level"] for s in iker.get(f"{path}/tier-path").json()]
    assert path_levels == [1, 2, 4, 4]
