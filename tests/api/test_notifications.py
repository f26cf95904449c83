"""GET /api/v1/notifications and marking them read: only ever the token owner's."""

import pytest

from escala.core import clock
from escala.notifications import state
from escala.notifications.choices import Kind
from escala.notifications.models import Notification
from tests.tickets.factories import open_ticket


@pytest.fixture
def ticket(employee, categories):
    return open_ticket(employee, category=categories["erp"], subject="ERP")


def _notify(user, ticket, n=1):
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=Kind.MENTIONED,
                ticket=ticket,
                params={"actor": "Lucia", "excerpt": f"nota {i}"},
                created_at=clock.now(),
            )
            for i in range(n)
        ]
    )
    state.forget([user.pk])
    return rows


def test_the_list_is_the_token_owners_newest_first(
    api_as, l1_agent, l1_colleague, ticket, settings
):
    settings.LANGUAGE_CODE = "en"  # the texts speak the request's language
    mine = _notify(l1_colleague.user, ticket, n=3)
    _notify(l1_agent.user, ticket)
    body = api_as(l1_colleague).get("notifications").json()
    assert [i["id"] for i in body["items"]] == [n.pk for n in reversed(mine)]
    first = body["items"][0]
    assert first["kind"] == "mentioned"
    assert first["text"] == "Lucia mentioned you in an internal note."
    assert first["detail"] == "nota 2"
    assert first["ticket_reference"] == ticket.reference
    assert first["unread"] is True
    assert body["unread_count"] == 3
    assert body["next_cursor"] is None


def test_the_list_pages_with_a_cursor_and_filters_unread(api_as, l1_colleague, ticket):
    rows = _notify(l1_colleague.user, ticket, n=7)
    Notification.objects.filter(pk=rows[-1].pk).update(read_at=clock.now())
    api = api_as(l1_colleague)
    page1 = api.get("notifications", limit=4).json()
    assert len(page1["items"]) == 4
    page2 = api.get("notifications", limit=4, cursor=page1["next_cursor"]).json()
    assert len(page2["items"]) == 3
    assert page2["next_cursor"] is None
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 7
    unread = api.get("notifications", unread="true").json()
    assert rows[-1].pk not in [i["id"] for i in unread["items"]]
    assert len(unread["items"]) == 6


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}, {"unread": "maybe"}]
)
def test_bad_list_parameters_are_a_422_at_their_field(api_as, l1_colleague, params):
    response = api_as(l1_colleague).get("notifications", **params)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]


def test_marking_one_read(api_as, l1_colleague, ticket):
    (n,) = _notify(l1_colleague.user, ticket)
    response = api_as(l1_colleague).post(f"notifications/{n.pk}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    again = api_as(l1_colleague).post(f"notifications/{n.pk}/read")
    assert again.json()["read_at"] == response.json()["read_at"]


def test_another_persons_notification_is_a_404(api_as, l1_agent, l1_colleague, ticket):
    (theirs,) = _notify(l1_agent.user, ticket)
    response = api_as(l1_colleague).post(f"notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert api_as(l1_colleague).post("notifications/999999/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_the_callers(api_as, l1_agent, l1_colleague, ticket):
    _notify(l1_colleague.user, ticket, n=2)
    _notify(l1_agent.user, ticket)
    body = api_as(l1_colleague).post("notifications/read-all").json()
    assert body == {"marked": 2, "unread_count": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_writes_need_the_write_scope_and_reads_a_token(client, api_as, l1_colleague, ticket):
    (n,) = _notify(l1_colleague.user, ticket)
    reader = api_as(l1_colleague, "tickets:read")
    assert reader.get("notifications").status_code == 200
    assert reader.post(f"notifications/{n.pk}/read").status_code == 403
    assert reader.post("notifications/read-all").status_code == 403
    assert client.get("/api/v1/notifications").status_code == 401


def test_the_operations_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/notifications" in spec["paths"]
    assert "/api/v1/notifications/{notification_id}/read" in spec["paths"]
    assert "/api/v1/notifications/read-all" in spec["paths"]


def test_a_notification_about_a_ticket_no_longer_visible_is_a_404(
    api_as, l1_colleague, ticket, teams
):
    (n,) = _notify(l1_colleague.user, ticket)
    ticket.tier, ticket.team = teams["Engineering"].tier, teams["Engineering"]
    ticket.save()
    api = api_as(l1_colleague)
    assert api.get("notifications").json()["items"] == []
    assert api.post(f"notifications/{n.pk}/read").status_code == 404
