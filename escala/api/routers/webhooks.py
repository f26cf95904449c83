"""Webhook subscriptions, their delivery log and the test-send (administrators, `admin` scope)."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from escala.webhooks import actions
from escala.webhooks.choices import WebhookEvent

from .. import auth
from ..schemas.common import COMMON_ERRORS, MAX_ID, WRITE_ERRORS, InputSchema

router = Router(tags=["webhooks"])
PathId = Path(..., ge=1, le=MAX_ID)


class SubscriptionIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500)
    events: list[WebhookEvent] = Field(min_length=1, max_length=20)
    allow_private_network: bool = Field(
        default=False,
        description="Allow loopback/private/link-local targets. Only for trusted internal hosts.",
    )


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    allow_private_network: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signing secret: shown only now.")


class AttemptOut(Schema):
    number: int
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    log: list[AttemptOut]


def _delivery(d) -> dict:  # noqa: ANN001
    return {
        "id": d.pk,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "next_attempt_at": d.next_attempt_at,
        "log": list(d.log.all()),
    }


@router.get("/webhooks/events", response={200: list[str], **COMMON_ERRORS}, auth=auth.admin)
def list_event_names(request: HttpRequest):
    return list(WebhookEvent.values)


@router.get("/webhooks", response={200: list[SubscriptionOut], **COMMON_ERRORS}, auth=auth.admin)
def list_subscriptions(request: HttpRequest):
    actions._ensure_admin(request.auth)
    from escala.webhooks.models import Subscription

    return list(Subscription.objects.all())


@router.post("/webhooks", response={201: SubscriptionCreated, **WRITE_ERRORS}, auth=auth.admin)
def create_subscription(request: HttpRequest, payload: SubscriptionIn):
    return Status(
        201,
        actions.subscribe(
            by=request.auth,
            name=payload.name,
            url=payload.url,
            events=[str(e) for e in payload.events],
            allow_private_network=payload.allow_private_network,
        ),
    )


@router.get(
    "/webhooks/{subscription_id}",
    response={200: SubscriptionOut, **COMMON_ERRORS},
    auth=auth.admin,
)
def read_subscription(request: HttpRequest, subscription_id: int = PathId):
    return actions.get_subscription(by=request.auth, subscription_id=subscription_id)


@router.delete(
    "/webhooks/{subscription_id}",
    response={200: SubscriptionOut, **WRITE_ERRORS},
    auth=auth.admin,
)
def deactivate_subscription(request: HttpRequest, subscription_id: int = PathId):
    """Stop sending; the delivery log is kept."""
    return actions.unsubscribe(by=request.auth, subscription_id=subscription_id)


@router.post(
    "/webhooks/{subscription_id}/test",
    response={200: DeliveryOut, **WRITE_ERRORS},
    auth=auth.admin,
)
def send_test_ping(request: HttpRequest, subscription_id: int = PathId):
    """Send a signed "ping" now and answer with the receiver's response code."""
    return _delivery(actions.send_test_ping(by=request.auth, subscription_id=subscription_id))


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response={200: list[DeliveryOut], **COMMON_ERRORS},
    auth=auth.admin,
)
def deliveries(request: HttpRequest, subscription_id: int = PathId):
    """The last 100 deliveries, newest first, each with its log of tries."""
    found = actions.get_subscription(by=request.auth, subscription_id=subscription_id)
    rows = found.deliveries.prefetch_related("log").order_by("-created_at", "-id")[:100]
    return [_delivery(d) for d in rows]
