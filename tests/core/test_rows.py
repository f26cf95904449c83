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


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def test_a_few_held_rows_of_several_models_are_one_statement_on_postgresql():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with rows.buffered():
            org = _org("Held together")
            rows.insert_later(org)
            ana = Requester(name="Ana", email="ana@together.example", organization=org)
            rows.insert_later(ana)
        writes = [sql for sql in _statements(queries) if "INSERT" in sql]
    # Written, linked, and their ids known, on every database.
    assert org.pk is not None
    assert ana.pk is not None
    assert Requester.objects.get(pk=ana.pk).organization_id == org.pk
    assert ana.organization_id == org.pk
    assert not ana._state.adding
    if connection.vendor == "postgresql":
        assert len(writes) == 1
        assert writes[0].startswith("WITH ")  # the requester's foreign key read from its CTE
    else:
        assert len(writes) == 2


def test_reserved_ids_are_the_ids_the_rows_are_written_with():
    org = _org("Reserved")
    with transaction.atomic(), rows.buffered():
        reserved = rows.reserve_ids(org)
        if reserved:
            assert org.pk is not None  # known before the write: a later row can carry it
            rows.insert_later(org)
            rows.insert_later(Requester(name="Eva", email="eva@r.example", organization=org))
        else:
            org.save()
    assert reserved is (connection.vendor == "postgresql")
    assert Organization.objects.get(pk=org.pk).name == "Reserved"


def test_a_held_row_that_conflicts_in_a_chain_is_skipped_and_keeps_no_id():
    taken = Organization.objects.create(name="Taken", email_domain="taken.example")
    Requester.objects.create(name="Ana", email="ana@taken.example", organization=taken)
    with transaction.atomic(), rows.buffered():
        rows.insert_later(_org("Also written"))
        again = Requester(name="Ana 2", email="ANA@taken.example", organization=taken)
        rows.insert_later(again, ignore_conflicts=True)
    assert Organization.objects.filter(name="Also written").exists()
    assert Requester.objects.filter(email__iexact="ana@taken.example").count() == 1
    if connection.vendor == "postgresql":
        assert again.pk is None


def _listener():  # a second connection, LISTENing on the test's channel
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute("LISTEN escala_test_rows")
    return listener


def _write_notify_then_fail() -> None:
    with transaction.atomic(), rows.buffered():
        rows.insert_later(_org("Rolled back"))
        rows.notify_with_flush("escala_test_rows")
        rows.flush()
        raise LookupError("the action fails after its rows were written")


@pytest.mark.django_db(transaction=True)
def test_a_notify_in_the_held_rows_statement_is_heard_at_the_commit_and_not_after_a_rollback():
    if connection.vendor != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; elsewhere notify_with_flush declines")
    listener = _listener()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            with rows.buffered():
                rows.insert_later(_org("Woken"))
                assert rows.notify_with_flush("escala_test_rows")
            assert list(listener.notifies(timeout=0.3, stop_after=1)) == []  # not before
        assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == [
            "escala_test_rows"
        ]
        assert len(_statements(queries)) == 1  # the insert and the NOTIFY: one round trip

        with pytest.raises(LookupError):
            _write_notify_then_fail()
        assert list(listener.notifies(timeout=0.5, stop_after=1)) == []
        assert not Organization.objects.filter(name="Rolled back").exists()
    finally:
        listener.close()


def test_outside_a_buffered_block_nothing_is_notified_for_you():
    assert rows.notify_with_flush("escala_test_rows") is False


def test_a_channel_name_that_is_not_an_identifier_is_refused():
    with pytest.raises(ValueError, match="not a channel name"):
        rows.notify_with_flush("x'); DROP TABLE tickets_ticket; --")


# --- update_rows and insert_many (the relay's set-wise writes) --------------------------------


def _orgs(*names: str) -> list[Organization]:
    return [Organization.objects.create(name=name) for name in names]


def test_update_rows_writes_each_rows_values_and_the_last_given_for_a_row():
    one, two, three = _orgs("One", "Two", "Three")
    one.name, two.name = "Uno", "Dos"
    again = Organization(pk=one.pk, name="Uno bis")  # the same row given twice: the last wins
    with CaptureQueriesContext(connection) as queries:
        rows.update_rows([one, two, again], ["name"])
    assert dict(
        Organization.objects.filter(pk__in=[one.pk, two.pk, three.pk]).values_list("pk", "name")
    ) == {one.pk: "Uno bis", two.pk: "Dos", three.pk: "Three"}
    if connection.vendor == "postgresql":
        # One statement for all (not one per row): a table's statement trigger runs once.
        [update] = _statements(queries)
        assert "UNNEST" in update
        assert " times: " not in update


def test_update_rows_writes_dates_and_empty_foreign_keys(customer, categories):
    from escala.core import clock
    from escala.tickets.actions import create_ticket
    from escala.tickets.models import Ticket

    ticket = create_ticket(
        requester=customer,
        subject="Dates",
        body="Dates and empty keys.",
        channel="email",
        by=None,
        category=categories["connectivity"],
    )
    due = clock.now()
    ticket.sla_due_at, ticket.category_id = due, None
    rows.update_rows([ticket], ["sla_due_at", "category"])
    assert Ticket.objects.values_list("sla_due_at", "category_id").get(pk=ticket.pk) == (due, None)


def test_insert_many_writes_the_rows_bulk_create_would_and_sets_their_ids():
    made = rows.insert_many([_org("Many 1"), _org("Many 2")])
    assert [o.pk for o in made] == list(
        Organization.objects.filter(name__startswith="Many ")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert all(not o._state.adding for o in made)
    fields = [f.attname for f in Organization._meta.concrete_fields]
    written = Organization.objects.filter(pk__in=[o.pk for o in made]).order_by("pk")
    assert [[getattr(o, f) for f in fields] for o in written] == [
        [getattr(o, f) for f in fields] for o in made
    ]


def test_insert_many_is_one_statement_of_its_own_on_postgresql(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere it is bulk_create")

    def refused(*args, **kwargs):
        raise AssertionError("bulk_create called")

    monkeypatch.setattr(type(Organization.objects), "bulk_create", refused)
    with CaptureQueriesContext(connection) as queries:
        rows.insert_many([_org("Own 1"), _org("Own 2"), _org("Own 3")])
    assert len(queries.captured_queries) == 1
    assert Organization.objects.filter(name__startswith="Own ").count() == 3


def test_insert_many_skips_conflicting_rows_quietly_and_keeps_no_id():
    org = Organization.objects.create(name="Many")
    Requester.objects.create(name="First", email="taken@many.example", organization=org)
    fresh = Requester(name="Fresh", email="fresh@many.example", organization=org)
    taken = Requester(name="Second", email="TAKEN@many.example", organization=org)
    rows.insert_many([fresh, taken], ignore_conflicts=True)
    assert taken.pk is None
    assert Requester.objects.get(email__iexact="taken@many.example").name == "First"
    assert Requester.objects.filter(email="fresh@many.example").exists()


def _state_of(row) -> tuple[dict, dict]:
    values = {k: v for k, v in row.__dict__.items() if k != "_state"}
    return values, dict(row._state.fields_cache)


def test_a_new_row_built_by_new_is_the_row_the_model_builds(employee, tiers, teams):
    from escala.tickets.models import QueuedEvent, Ticket, TicketEvent

    given = {
        "subject": "VPN",
        "requester": employee,
        "organization_id": employee.organization_id,
        "channel": "api",
        "category": None,
        "tier": tiers[1],
        "team": teams["Service Desk"],
    }
    built = rows.new(Ticket, **given)
    assert _state_of(built) == _state_of(Ticket(**given))  # defaults, ids and cached rows alike
    assert built._state.adding
    assert built.pk is None
    event = rows.new(TicketEvent, ticket=built, kind="created", actor=None, data={"a": 1})
    assert _state_of(event) == _state_of(
        TicketEvent(ticket=built, kind="created", actor=None, data={"a": 1})
    )
    queued = rows.new(QueuedEvent, event=event, recorded_later=True)  # one-to-one: as Django
    assert queued.event is event


def test_new_refuses_what_the_model_refuses(employee, tiers):
    from escala.tickets.models import Ticket

    with pytest.raises(TypeError):
        rows.new(Ticket, subject="x", no_such_field=1)
    with pytest.raises(ValueError, match="tier must be"):
        rows.new(Ticket, subject="x", tier=employee)  # a requester is not a tier
