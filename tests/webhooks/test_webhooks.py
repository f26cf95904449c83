"""Webhooks: signed, delivered by the worker with retries, logged, and never aimed inwards."""

import ipaddress
import json
import socket

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from escala.api.tokens import issue_token
from escala.core.errors import Forbidden, ValidationFailed
from escala.tickets.actions import add_note, add_reply, escalate_ticket
from escala.webhooks import actions, signing, targets
from escala.webhooks.choices import DeliveryStatus
from escala.webhooks.models import Delivery
from escala.webhooks.tasks import deliver_webhook
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def subscribe(admin_user, receiver, *events: str):
    return actions.subscribe(
        by=admin_user,
        name="Monitor",
        url=receiver.url,
        events=list(events) or ["ticket.created"],
        allow_private_network=True,
    )


def run_queued_tasks() -> int:
    """What the worker does with our queued deliveries: run each once (other apps' tasks,
    queued by the same ticket events, are theirs to test)."""
    ran = 0
    queued = DBTaskResult.objects.filter(status="READY", task_path__startswith="escala.webhooks")
    for row in queued.order_by("enqueued_at"):
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()
        ran += 1
    return ran


def test_a_loopback_target_is_refused_without_the_admins_permission(admin_user, receiver):
    with pytest.raises(ValidationFailed) as refused:
        actions.subscribe(by=admin_user, name="x", url=receiver.url, events=["ticket.created"])
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.1.10", "172.16.0.1", "169.254.169.254", "100.64.0.1",
     "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1"],  # noqa: S104
)  # fmt: skip
def test_internal_addresses_are_recognised(address):
    assert targets.is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_public_addresses_are_not_internal(address):
    assert not targets.is_internal(ipaddress.ip_address(address))


def test_only_administrators_subscribe(l1_agent, receiver):
    with pytest.raises(Forbidden):
        actions.subscribe(
            by=l1_agent.user,
            name="x",
            url=receiver.url,
            events=["ticket.created"],
            allow_private_network=True,
        )


def test_a_new_ticket_is_delivered_signed_by_the_worker(
    admin_user, receiver, employee, categories, django_capture_on_commit_callbacks
):
    subscription = subscribe(admin_user, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, category=categories["password"])
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.status, delivery.ticket_id) == (
        "ticket.created",
        DeliveryStatus.PENDING,
        ticket.pk,
    )
    assert run_queued_tasks() == 1

    request = receiver.requests[0]
    headers = request["headers"]
    timestamp = int(headers[signing.TIMESTAMP_HEADER])
    assert signing.verify(
        subscription.secret,
        timestamp,
        request["body"],
        headers[signing.SIGNATURE_HEADER],
        now=timestamp,
    )
    assert not signing.verify(
        "another-secret",
        timestamp,
        request["body"],
        headers[signing.SIGNATURE_HEADER],
        now=timestamp,
    )
    assert headers[signing.EVENT_HEADER] == "ticket.created"
    payload = receiver.json()
    assert payload["ticket"]["reference"] == ticket.reference
    assert payload["event"] == "ticket.created"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == ("delivered", 200, 1)
    assert [a.status_code for a in delivery.log.all()] == [200]


def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    admin_user, receiver, employee, categories, frozen_clock, django_capture_on_commit_callbacks
):
    subscribe(admin_user, receiver)
    receiver.codes = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(employee, category=categories["password"])
    delivery = Delivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook.call(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at == frozen_clock() + actions.backoff(1)
    retry = (
        DBTaskResult.objects.filter(status="READY", task_path__startswith="escala.webhooks")
        .order_by("-enqueued_at")
        .first()
    )
    assert retry.args_kwargs["args"] == [delivery.pk]
    assert retry.run_after == delivery.next_attempt_at

    frozen_clock.advance(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook.call(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == frozen_clock() + actions.backoff(2)
    assert actions.backoff(2) == 2 * actions.backoff(1)

    deliver_webhook.call(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.log.all()] == [500, 503, 200]


def test_a_delivery_gives_up_after_the_last_attempt(
    admin_user, receiver, employee, categories, settings, django_capture_on_commit_callbacks
):
    settings.ESCALA_WEBHOOK_ATTEMPTS = 2
    subscribe(admin_user, receiver)
    receiver.codes = [500, 500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(employee, category=categories["password"])
    delivery = Delivery.objects.get()
    deliver_webhook.call(delivery.pk)
    deliver_webhook.call(delivery.pk)
    deliver_webhook.call(delivery.pk)  # a stray retry changes nothing
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert len(receiver.requests) == 2


def test_the_address_is_checked_again_at_delivery_time(
    admin_user, receiver, employee, categories, monkeypatch, django_capture_on_commit_callbacks
):
    real = socket.getaddrinfo

    def public_then_loopback(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(targets.socket, "getaddrinfo", public_then_loopback)
    actions.subscribe(
        by=admin_user,
        name="Rebinding",
        url=f"http://hooks.example.com:{receiver.server.server_address[1]}/",
        events=["ticket.created"],
    )

    def loopback(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(targets.socket, "getaddrinfo", loopback)
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(employee, category=categories["password"])
    deliver_webhook.call(Delivery.objects.get().pk)
    delivery = Delivery.objects.get()
    assert "127.0.0.1" in delivery.last_error
    assert delivery.last_status_code is None
    assert receiver.requests == []


def test_internal_notes_are_not_sent_but_public_replies_are(
    admin_user, receiver, employee, l1_agent, categories, django_capture_on_commit_callbacks
):
    ticket = open_ticket(employee, category=categories["password"])
    subscribe(admin_user, receiver, "ticket.replied", "ticket.escalated")
    with django_capture_on_commit_callbacks(execute=True):
        add_note(ticket=ticket, by=l1_agent.user, body="Secreto")
        add_reply(ticket=ticket, by=l1_agent.user, body="Hola, lo miramos.")
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="r", handover="h")
    events = list(Delivery.objects.order_by("id").values_list("event", flat=True))
    assert events == ["ticket.replied", "ticket.escalated"]
    run_queued_tasks()
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert bodies[0]["change"]["message"]["body"] == "Hola, lo miramos."
    assert "Secreto" not in json.dumps(bodies)


def test_sla_events_are_accepted_and_sent_through_notify(
    admin_user, receiver, employee, categories, django_capture_on_commit_callbacks
):
    ticket = open_ticket(employee, category=categories["password"])
    subscribe(admin_user, receiver, "sla.warning", "sla.breach")
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(name="sla.breach", ticket=ticket, data={"clock": "resolution"})
    run_queued_tasks()
    assert receiver.json()["event"] == "sla.breach"
    assert receiver.json()["data"] == {"clock": "resolution"}


def test_the_api_manages_subscriptions_and_test_sends(admin_user, receiver):
    _token, raw = issue_token(user=admin_user, by=None, name="ops", scopes=["admin"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = client.post(
        "/api/v1/webhooks",
        {"name": "Mon", "url": receiver.url, "events": ["ticket.created"]},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "url" in refused.json()["error"]["fields"]

    created = client.post(
        "/api/v1/webhooks",
        {
            "name": "Mon",
            "url": receiver.url,
            "events": ["ticket.created", "sla.breach"],
            "allow_private_network": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    sub = created.json()
    assert len(sub["secret"]) == 64

    sent = client.post(f"/api/v1/webhooks/{sub['id']}/test")
    assert sent.status_code == 200, sent.content
    assert (sent.json()["status"], sent.json()["last_status_code"]) == ("delivered", 200)
    assert receiver.requests[0]["headers"][signing.EVENT_HEADER] == "ping"

    log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries").json()
    assert [(d["event"], d["log"][0]["status_code"]) for d in log] == [("ping", 200)]


def test_webhooks_need_the_admin_scope(admin_user, l1_agent):
    _token, raw = issue_token(user=admin_user, by=None, name="r", scopes=["tickets:read"])
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/webhooks").status_code == 403
    _token, raw = issue_token(user=l1_agent.user, by=None, name="r", scopes=["tickets:read"])
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/webhooks").status_code == 403


def test_the_webhook_page_subscribes_and_its_button_test_sends(admin_user, receiver, employee):
    browser = Client()
    browser.force_login(admin_user)
    page = browser.post(
        "/api/webhooks/",
        {"name": "Intranet", "url": receiver.url, "events": ["ticket.created"]},
    )
    assert page.status_code == 422
    assert "url" in page.context["errors"]
    page = browser.post(
        "/api/webhooks/",
        {
            "name": "Intranet",
            "url": receiver.url,
            "events": ["ticket.created"],
            "allow_private_network": "on",
        },
    )
    assert page.status_code == 200
    subscription = page.context["created"]
    browser.post(f"/api/webhooks/{subscription.pk}/test")
    assert receiver.requests[0]["headers"][signing.EVENT_HEADER] == "ping"
    log = browser.get("/api/webhooks/").content.decode()
    assert "200" in log

    someone = Client()
    someone.force_login(employee.user)
    assert someone.get("/api/webhooks/").status_code == 404


def test_an_sla_event_in_the_history_reaches_sla_subscribers(
    admin_user, receiver, employee, categories, django_capture_on_commit_callbacks
):
    from escala.tickets import events
    from escala.tickets.choices import EventKind

    ticket = open_ticket(employee, category=categories["password"])
    subscribe(admin_user, receiver, "sla.breach")
    with django_capture_on_commit_callbacks(execute=True):
        events.record(ticket, EventKind.SLA_BREACHED, by=None, field="resolution")
    assert list(Delivery.objects.values_list("event", flat=True)) == ["sla.breach"]


def test_an_event_heard_twice_is_delivered_once_per_subscription(
    admin_user, receiver, employee, categories, django_capture_on_commit_callbacks
):
    """Issue #21: a listener must not act twice on one cause (say, a relay retried)."""
    from escala.webhooks.listeners import on_ticket_event

    subscribe(admin_user, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, category=categories["password"])
    created = ticket.events.get(kind="created")
    on_ticket_event(sender=None, event=created)
    assert Delivery.objects.filter(ticket_event_id=created.pk).count() == 1
