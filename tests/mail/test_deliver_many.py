"""A delivery task's rows (delivery.deliver_many): claimed together, sent through one mail
connection, marked sent together; the same mails, results and row states as one by one."""

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.core import clock
from escala.mail import delivery, outbound
from escala.mail.choices import OutboxStatus
from escala.mail.models import BouncedAddress, Outbox

from .test_drain_in_worker import pending_receipts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def test_a_task_of_many_rows_costs_the_queries_of_a_few(
    customer, django_capture_on_commit_callbacks
):
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 12)
    with CaptureQueriesContext(connection) as queries:
        assert outbound.deliver_outbox_many.call(ids) == ["sent"] * 12
    # Lock, bounces, claim, mark sent (and the transaction's own statements): not per row.
    assert len(queries) <= 8, [q["sql"] for q in queries]
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(
        Outbox.objects.filter(pk__in=ids).values_list("to", flat=True)
    )
    rows = Outbox.objects.filter(pk__in=ids)
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {(OutboxStatus.SENT, 1, "")}
    assert all(r.sent_at is not None for r in rows)
    # Sent once: a second task with the same rows sends nothing.
    assert outbound.deliver_outbox_many.call(ids) == ["skipped"] * 12
    assert len(django_mail.outbox) == 12


def test_one_connection_for_the_batch(customer, django_capture_on_commit_callbacks, monkeypatch):
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 4)
    opened = []
    real = delivery._open_mailer
    monkeypatch.setattr(delivery, "_open_mailer", lambda: opened.append(1) or real())
    assert delivery.deliver_many(ids) == ["sent"] * 4
    assert opened == [1]
    assert len(django_mail.outbox) == 4


def test_bounced_not_due_and_unknown_rows_in_a_batch(
    customer, django_capture_on_commit_callbacks, settings
):
    settings.ESCALA_MAIL_BOUNCED_ADDRESSES = "suppress"
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 4)
    bounced, later = Outbox.objects.filter(pk__in=ids).order_by("pk")[1:3]
    now = clock.now()
    BouncedAddress.objects.create(
        address=bounced.to.lower(), status="5.1.1", first_at=now, last_at=now
    )
    Outbox.objects.filter(pk=later.pk).update(next_attempt_at=now + delivery._backoff(3))
    results = delivery.deliver_many([*ids, 10**9])
    assert results == ["sent", "suppressed", "skipped", "sent", "skipped"]
    assert Outbox.objects.get(pk=bounced.pk).status == OutboxStatus.FAILED
    assert Outbox.objects.get(pk=bounced.pk).last_error.startswith("Not sent")
    assert Outbox.objects.get(pk=later.pk).status == OutboxStatus.PENDING
    assert len(django_mail.outbox) == 2


def test_a_failed_send_in_a_batch_retries_that_row_only(
    customer, django_capture_on_commit_callbacks, monkeypatch
):
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 3)
    failing = Outbox.objects.get(pk=ids[1]).to
    backend = type(django_mail.mailers.default)
    real_send = backend.send_messages

    def send_messages(self, messages):
        if messages[0].to == [failing]:
            raise OSError("server said no")
        return real_send(self, messages)

    monkeypatch.setattr(backend, "send_messages", send_messages)
    monkeypatch.setattr(outbound, "_enqueue", lambda *a, **k: None)
    assert delivery.deliver_many(ids) == ["sent", "failed", "sent"]
    row = Outbox.objects.get(pk=ids[1])
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.last_error == "OSError: server said no"
    assert Outbox.objects.filter(pk__in=ids, status=OutboxStatus.SENT).count() == 2


def test_rows_are_claimed_and_marked_a_few_at_a_time(
    customer, django_capture_on_commit_callbacks, monkeypatch
):
    ids = pending_receipts(customer, django_capture_on_commit_callbacks, 7)
    monkeypatch.setattr(delivery, "CLAIM_ROWS", 3)
    opened = []
    real = delivery._open_mailer
    monkeypatch.setattr(delivery, "_open_mailer", lambda: opened.append(1) or real())
    marked: list[list[int]] = []
    real_mark = delivery._mark_sent
    monkeypatch.setattr(delivery, "_mark_sent", lambda pks: marked.append(pks) or real_mark(pks))
    assert delivery.deliver_many(ids) == ["sent"] * 7
    assert marked == [ids[0:3], ids[3:6], ids[6:7]]
    assert opened == [1]  # one connection for them all
    assert Outbox.objects.filter(pk__in=ids, status=OutboxStatus.SENT).count() == 7
