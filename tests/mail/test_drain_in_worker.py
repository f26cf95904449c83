"""The worker's minute drain of the outbox (delivery.drain_in_worker) sends inline for a few
seconds only and hands the rest to delivery tasks: a burst's pending receipts never hold the
worker's tick, and with it the relay of new ticket events, for minutes."""

import pytest
from django.core import mail as django_mail

from escala.mail import delivery, ingest, outbound
from escala.mail.choices import OutboxStatus
from escala.mail.models import Outbox

from .conftest import compose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def pending_receipts(customer, django_capture_on_commit_callbacks, n: int) -> list[int]:
    # execute=False: no delivery task was enqueued, as after a crash right after the commit.
    with django_capture_on_commit_callbacks(execute=False):
        ingest.ingest(compose(sender=customer.email))
    row = Outbox.objects.get(status=OutboxStatus.PENDING)
    for k in range(n - 1):  # more of the same (one sender gets one receipt a while)
        row.pk = None
        row.to = f"copy{k}.{customer.email}"
        row.message_id = f"copy{k}.{row.message_id}"
        row.save(force_insert=True)
    ids = list(Outbox.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True))
    assert len(ids) == n
    return ids


def test_within_its_time_the_drain_sends_every_due_row(
    customer, django_capture_on_commit_callbacks
):
    pending_receipts(customer, django_capture_on_commit_callbacks, 3)
    assert delivery.drain_in_worker() == ["sent"] * 3
    assert len(django_mail.outbox) == 3


def test_what_the_drain_has_no_time_for_goes_to_delivery_tasks(
    customer, django_capture_on_commit_callbacks, monkeypatch
):
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 5)
    monkeypatch.setattr(delivery, "DRAIN_SECONDS", 0)
    monkeypatch.setattr(delivery, "DRAIN_TASK_ROWS", 2)
    enqueued: list[list[int]] = []
    monkeypatch.setattr(outbound, "_enqueue_many", enqueued.append)
    assert delivery.drain_in_worker() == []
    assert django_mail.outbox == []
    assert sorted(sum(enqueued, [])) == sorted(ids)
    assert [len(chunk) for chunk in enqueued] == [2, 2, 1]
    for chunk in enqueued:  # what the worker's tasks then do
        assert outbound.deliver_outbox_many.call(chunk) == ["sent"] * len(chunk)
    assert len(django_mail.outbox) == 5
    assert not Outbox.objects.filter(status=OutboxStatus.PENDING).exists()
