"""Mail left `received` by a killed pipe, poll or listener is processed by the worker's periodic
job, once, whatever the number of workers."""

import pytest
from django.db import connection

from escala.core import periodic
from escala.mail import ingest, leftovers
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail
from escala.tickets.models import Ticket
from tests.tickets.concurrently import in_two_threads

from .conftest import compose

# Limits, markers and bounces are the subject here, not who may act: the sender rule is lenient
# (tests/mail/test_sender_auth.py covers it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def _left_behind(customer, n: int = 1) -> list[int]:
    return ingest.store_many(
        [compose(sender=customer.email, subject=f"dejado {i}") for i in range(n)]
    )


def test_the_worker_processes_a_left_over_mail_within_a_minute(customer, frozen_clock, settings):
    settings.ESCALA_MAIL_ACK_WINDOW = 0
    [pk] = _left_behind(customer)
    assert periodic.run_due("worker-a", frozen_clock()).count("mail.leftovers") <= 1
    assert InboundMail.objects.get(pk=pk).status == InboundStatus.RECEIVED  # too fresh yet
    frozen_clock.advance(seconds=settings.ESCALA_MAIL_LEFTOVER_AFTER + 30)
    assert "mail.leftovers" in periodic.run_due("worker-a", frozen_clock())
    mail = InboundMail.objects.get(pk=pk)
    assert (mail.status, mail.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)


def test_the_job_runs_every_thirty_seconds():
    job = {j.name: j for j in periodic.jobs()}["mail.leftovers"]
    assert job.every.total_seconds() <= 60


def test_two_workers_in_the_same_period_process_each_mail_once(customer, frozen_clock, settings):
    _left_behind(customer, 3)
    frozen_clock.advance(seconds=settings.ESCALA_MAIL_LEFTOVER_AFTER + 1)
    ran_a = periodic.run_due("worker-a", frozen_clock())
    ran_b = periodic.run_due("worker-b", frozen_clock())
    assert ("mail.leftovers" in ran_a) != ("mail.leftovers" in ran_b)
    assert Ticket.objects.count() == 3


def test_running_the_job_again_files_nothing_twice(customer, frozen_clock, settings):
    _left_behind(customer, 2)
    frozen_clock.advance(seconds=settings.ESCALA_MAIL_LEFTOVER_AFTER + 1)
    assert leftovers.process_leftovers(frozen_clock()) == 2
    assert leftovers.process_leftovers(frozen_clock()) == 0
    ingest.process_batch(list(InboundMail.objects.values_list("pk", flat=True)))
    assert Ticket.objects.count() == 2


def test_a_mail_that_never_finishes_is_quarantined_after_three_tries(
    customer, frozen_clock, settings, monkeypatch
):
    [pk] = _left_behind(customer)
    frozen_clock.advance(seconds=settings.ESCALA_MAIL_LEFTOVER_AFTER + 1)

    class Killed(BaseException):  # the process dies: nothing after it runs
        pass

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(ingest, "process_batch", die)
    for _ in range(leftovers.MAX_TRIES):
        with pytest.raises(Killed):
            leftovers.process_leftovers(frozen_clock())
    monkeypatch.undo()
    leftovers.process_leftovers(frozen_clock())
    mail = InboundMail.objects.get(pk=pk)
    assert (mail.status, mail.outcome) == (InboundStatus.QUARANTINED, Outcome.ERROR)
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_file_each_mail_once(customer, settings):
    """Two workers that both took up the same mails (a run longer than its period)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serializes the two runs; the period claim test covers it")
    settings.ESCALA_MAIL_LEFTOVER_AFTER = 0
    _left_behind(customer, 20)
    errors = in_two_threads(leftovers.process_leftovers)
    assert not errors
    assert Ticket.objects.count() == 20
    assert set(InboundMail.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
