"""Subscribing, queueing, delivering (with retries and backoff) and the test-send."""

import json
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock, memo
from escala.core.errors import Forbidden, NotFound, ValidationFailed
from escala.people.queries import is_admin
from escala.tickets.models import Ticket, TicketEvent

from . import payloads, sender, signing, targets
from .choices import PING, DeliveryStatus, WebhookEvent
from .models import Delivery, DeliveryAttempt, Subscription

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min... capped at 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _ensure_admin(by: Any) -> None:
    if not is_admin(by):
        raise Forbidden(_("Only administrators manage webhooks."))


def _check_events(events: list[str]) -> list[str]:
    chosen = []
    for name in events:
        if name not in WebhookEvent.values:
            raise ValidationFailed(_("Unknown event “%(name)s”.") % {"name": name}, field="events")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ValidationFailed(_("Choose at least one event."), field="events")
    return chosen


def subscribe(
    *, by: Any, name: str, url: str, events: list[str], allow_private_network: bool = False
) -> Subscription:
    _ensure_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the subscription a name."), field="name")
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationFailed(_("The URL is too long."), field="url")
    targets.resolve(url, allow_private=allow_private_network)
    return Subscription.objects.create(
        name=name[:100],
        url=url,
        secret=secrets.token_hex(32),
        events=_check_events(events),
        allow_private_network=allow_private_network,
        created_by=by,
        created_at=clock.now(),
    )


def get_subscription(*, by: Any, subscription_id: int) -> Subscription:
    _ensure_admin(by)
    found = Subscription.objects.filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(_("Subscription not found."))
    return found


def unsubscribe(*, by: Any, subscription_id: int) -> Subscription:
    found = get_subscription(by=by, subscription_id=subscription_id)
    found.is_active = False
    found.save(update_fields=["is_active"])
    return found


def _queue(subscription: Subscription, name: str, payload: dict, **ids: int | None) -> Delivery:
    from .tasks import deliver_webhook

    delivery = Delivery.objects.create(
        subscription=subscription, event=name, payload=payload, created_at=clock.now(), **ids
    )
    transaction.on_commit(lambda: deliver_webhook.enqueue(delivery.pk))
    return delivery


@memo.batch_cached
def _active_subscriptions() -> list[Subscription]:
    # In a batch (the relay's) read once for every event name it meets, not once per name.
    return list(Subscription.objects.filter(is_active=True))


def _subscribers(name: str) -> list[Subscription]:
    # JSON containment is not portable to SQLite; subscriptions are few, filter in Python.
    return [s for s in _active_subscriptions() if name in s.events]


def queue_for_ticket_event(*, name: str, event: TicketEvent) -> list[Delivery]:
    subscribers = _subscribers(name)
    if not subscribers:
        return []
    # Once per event and subscription, even if the event reaches this listener again (a relay
    # retried after a crash between its listeners): a second delivery would act twice.
    done = set(
        Delivery.objects.filter(ticket_event_id=event.pk).values_list("subscription_id", flat=True)
    )
    subscribers = [s for s in subscribers if s.pk not in done]
    if not subscribers:
        return []
    ticket = Ticket.objects.select_related(
        "tier", "team", "assignee__user", "category", "vendor"
    ).get(pk=event.ticket_id)
    payload = payloads.for_ticket_event(name, event, ticket)
    with transaction.atomic():
        return [
            _queue(s, name, payload, ticket_event_id=event.pk, ticket_id=ticket.pk)
            for s in subscribers
        ]


def notify_about(*, name: str, subject: dict[str, Any], data: dict[str, Any]) -> list[Delivery]:
    """For events about something other than one ticket (a problem, a major incident): the
    payload carries `subject` ({"problem": {...}} or {"major_incident": {...}}) and `data`."""
    if name not in WebhookEvent.values:
        raise ValidationFailed(_("Unknown event “%(name)s”.") % {"name": name}, field="event")
    subscribers = _subscribers(name)
    if not subscribers:
        return []
    payload = json.loads(
        json.dumps({"event": name, **subject, "data": data}, cls=DjangoJSONEncoder)
    )
    with transaction.atomic():
        return [_queue(s, name, payload) for s in subscribers]


def notify(*, name: str, ticket: Ticket, data: dict[str, Any]) -> list[Delivery]:
    """For other apps (the SLA clocks: "sla.warning", "sla.breach") to send their own events."""
    if name not in WebhookEvent.values:
        raise ValidationFailed(_("Unknown event “%(name)s”.") % {"name": name}, field="event")
    subscribers = _subscribers(name)
    if not subscribers:
        return []
    payload = {"event": name, "ticket": payloads.ticket_summary(ticket), "data": data}
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    with transaction.atomic():
        return [_queue(s, name, payload, ticket_id=ticket.pk) for s in subscribers]


def _send(delivery: Delivery) -> sender.Result:
    subscription = delivery.subscription
    body = json.dumps(
        {"id": delivery.pk, "created_at": delivery.created_at.isoformat(), **delivery.payload},
        cls=DjangoJSONEncoder,
    ).encode()
    try:
        # Resolved again now: an address that was public when subscribing may not be any more.
        addresses = targets.resolve(
            subscription.url, allow_private=subscription.allow_private_network
        )
    except ValidationFailed as refused:
        return sender.Result(None, refused.message[:500], "", 0)
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Escala-Webhooks/1",
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.pk),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(subscription.secret, timestamp, body),
    }
    return sender.post(subscription.url, addresses[0], body, headers)


def attempt_delivery(*, delivery_id: int) -> Delivery | None:
    """Try once; record the try; on failure queue the next one after a growing pause."""
    from .tasks import deliver_webhook

    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery
    result = _send(delivery)
    now = clock.now()
    with transaction.atomic():
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=result.status_code,
            error=result.error,
            response_excerpt=result.excerpt,
            duration_ms=result.duration_ms,
        )
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.event == PING or delivery.attempts >= settings.ESCALA_WEBHOOK_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            run_after = delivery.next_attempt_at
            transaction.on_commit(
                lambda: deliver_webhook.using(run_after=run_after).enqueue(delivery.pk)
            )
        delivery.save()
    return delivery


def send_test_ping(*, by: Any, subscription_id: int) -> Delivery:
    """Send a "ping" now, in the caller's request, and answer with what came back."""
    subscription = get_subscription(by=by, subscription_id=subscription_id)
    delivery = Delivery.objects.create(
        subscription=subscription,
        event=PING,
        payload={"event": PING, "subscription": subscription.name},
        created_at=clock.now(),
    )
    return attempt_delivery(delivery_id=delivery.pk)  # type: ignore[return-value]
