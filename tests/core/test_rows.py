"""core.rows: inserts held to the end of a batch, and the one-statement insert of a sender."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from escala.core import rows
from escala.people.models import Organization, Requester

pytestmark = pytest.mark.django_db


def _org(name: str) -> Organization:
    return Organization(name=name)


def _inserts(queries: CaptureQueriesContext, table: str) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"'))


def test_held_rows_are_written_with_one_statement_when_the_block_ends():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with rows.buffered():
            for i in range(5):
                rows.insert_later(_org(f"Org {i}"))
            assert not Organization.objects.filter(name__startswith="Org ").exists()
            assert len(rows.held(Organization)) == 5
        assert Organization.objects.filter(name__startswith="Org ").count() == 5
    assert _inserts(queries, "people_organization") == 1


def test_outside_a_batch_a_row_is_written_at_once():
    org = _org("Now")
    rows.insert_later(org)
    assert org.pk is not None
    assert Organization.objects.filter(name="Now").exists()


def test_rows_held_in_a_rolled_back_savepoint_are_dropped_with_it():
    with transaction.atomic(), rows.buffered():
        rows.insert_later(_org("Kept"))
        try:
            with transaction.atomic():
                rows.insert_later(_org("Lost"))
                raise ValueError("this mail fails")
        except ValueError:
            pass
        assert [o.name for o in rows.held(Organization)] == ["Kept"]
    assert set(Organization.objects.values_list("name", flat=True)) >= {"Kept"}
    assert not Organization.objects.filter(name="Lost").exists()


def _hold_then_fail() -> None:
    with transaction.atomic(), rows.buffered():
        rows.insert_later(_org("Never"))
        raise LookupError("the batch fails")


def test_a_block_that_raises_writes_nothing():
    with pytest.raises(LookupError, match="the batch fails"):
        _hold_then_fail()
    assert not Organization.objects.filter(name="Never").exists()


def test_flush_writes_the_held_rows_before_a_read_that_needs_them():
    with transaction.atomic(), rows.buffered():
        org = _org("Early")
        rows.insert_later(org)
        rows.flush()
        assert org.pk is not None
        assert rows.held(Organization) == []
        assert Organization.objects.filter(name="Early").exists()


def test_forget_since_drops_what_a_failed_block_held():
    with transaction.atomic(), rows.buffered():
        rows.insert_later(_org("Before"))
        position = rows.mark()
        rows.insert_later(_org("After"))
        rows.forget_since(position)
    assert Organization.objects.filter(name="Before").exists()
    assert not Organization.objects.filter(name="After").exists()


def test_held_rows_that_may_conflict_are_skipped_not_fatal():
    Organization.objects.create(name="Taken", email_domain="taken.example")
    requester = Requester.objects.create(
        name="Ana", email="ana@taken.example", organization=Organization.objects.get(name="Taken")
    )
    with transaction.atomic(), rows.buffered():
        rows.insert_later(
            Requester(
                name="Ana 2", email="ANA@taken.example", organization_id=requester.organization_id
            ),
            ignore_conflicts=True,
        )
    assert Requester.objects.filter(email__iexact="ana@taken.example").count() == 1


def test_insert_unless_taken_inserts_once_and_reports_a_taken_row():
    org = Organization.objects.create(name="Cliente")
    first = Requester(name="Luis", email="luis@cliente.example", organization=org)
    assert rows.insert_unless_taken(first) is True
    assert first.pk == Requester.objects.get(email="luis@cliente.example").pk
    assert first.created_at is not None  # auto_now_add filled in

    again = Requester(name="Luis bis", email="LUIS@cliente.example", organization=org)
    with transaction.atomic():
        assert rows.insert_unless_taken(again) is False
        # No error left behind: the transaction goes on.
        assert Requester.objects.filter(email__iexact="luis@cliente.example").count() == 1
    assert again.pk is None


def test_insert_unless_taken_still_raises_other_errors():
    org = Organization.objects.create(name="Cliente")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_unless_taken(Requester(name=None, email="x@y.example", organization=org))
