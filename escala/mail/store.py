"""Step 1 of a mail's way in: keep the raw bytes, and nothing else, so a mail is safe before any
parsing can fail. A second delivery of the same mail (`parse.dedup_key`) is counted on the one
stored first, never stored twice. Nothing here talks to a network."""

from __future__ import annotations

from django.db import (
    IntegrityError,
    connection,
    transaction,
)
from django.db.models import F

from escala.core import clock

from . import rawstore
from .choices import Source
from .hygiene import no_nul
from .models import InboundMail, Mailbox
from .parse import (
    message_id_and_dedup_key,
)


def store(
    raw: bytes,
    *,
    source: str = Source.PIPE,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> tuple[InboundMail, bool]:
    """Keep the raw bytes. Returns (mail, created); a second delivery of the same mail is not
    stored twice. Raises only when the database itself fails (the caller retries later)."""
    message_id, key = message_id_and_dedup_key(raw)
    existing = InboundMail.objects.filter(dedup_key=key).first()
    if existing is not None:
        _count_duplicates({key: 1})
        return existing, False
    # The bytes reach their storage before the row that names them (rawstore.keep).
    mail = _inbound(raw, key, message_id, source, mailbox, envelope_from, envelope_to, clock.now())
    try:
        with transaction.atomic():
            mail.save(force_insert=True)
    except IntegrityError:
        # Another process stored the same mail between our check and our insert.
        _count_duplicates({key: 1})
        return InboundMail.objects.get(dedup_key=key), False
    return mail, True


def _count_duplicates(deliveries: dict[str, int]) -> None:
    """The same mail (same Message-ID and content) arrived again: count it on the stored one."""
    now = clock.now()
    by_count: dict[int, list[str]] = {}
    for key, times in deliveries.items():
        by_count.setdefault(times, []).append(key)
    for times, keys in by_count.items():
        InboundMail.objects.filter(dedup_key__in=keys).update(
            duplicate_count=F("duplicate_count") + times, last_duplicate_at=now
        )


def _inbound(raw, key, message_id, source, mailbox, envelope_from, envelope_to, now) -> InboundMail:  # noqa: ANN001, PLR0913
    return InboundMail(
        dedup_key=key,
        # What a header or an MTA gives may carry NUL, which PostgreSQL refuses in text.
        message_id=no_nul(message_id)[:998],
        **rawstore.keep(raw),  # in the row, or written to the raw-mail storage first
        size=len(raw),
        source=source,
        mailbox=mailbox,
        envelope_from=no_nul(envelope_from)[:998],
        envelope_to=no_nul(",".join(envelope_to))[:998],
        received_at=now,
    )


def store_many(raws: list[bytes], **store_kwargs) -> list[int]:
    """Store a batch in one transaction and one INSERT (one disk flush for the lot); returns the
    mails' ids in order. Used by the pipe when an MTA or a script hands over many files at once."""
    return store_many_new(raws, **store_kwargs)[0]


def store_many_new(
    raws: list[bytes],
    *,
    source: str = Source.PIPE,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> tuple[list[int], set[int]]:
    """The ids of `raws` in order, and those of the mails this call stored."""
    message_ids, keys = [], []
    for raw in raws:
        mid, key = message_id_and_dedup_key(raw)
        message_ids.append(mid)
        keys.append(key)
    now = clock.now()
    with transaction.atomic():
        known = dict(InboundMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk"))
        new: dict[str, InboundMail] = {}
        created: set[int] = set()
        again: dict[str, int] = {}
        for raw, key, mid in zip(raws, keys, message_ids, strict=True):
            if key not in known and key not in new:
                new[key] = _inbound(raw, key, mid, source, mailbox, envelope_from, envelope_to, now)
            else:
                again[key] = again.get(key, 0) + 1
        if again:
            _count_duplicates(again)
        try:
            with transaction.atomic():
                _insert(list(new.values()))
        except IntegrityError:
            # Another process stored some of them meanwhile: one by one, as `store` does.
            for key, mail in new.items():
                stored, was_new = store(
                    bytes(mail.raw),
                    source=source,
                    mailbox=mailbox,
                    envelope_from=envelope_from,
                    envelope_to=envelope_to,
                )
                known[key] = stored.pk
                if was_new:
                    created.add(stored.pk)
            new = {}
        known.update((key, mail.pk) for key, mail in new.items())
        created.update(mail.pk for mail in new.values())
        if any(pk is None for pk in known.values()):  # a backend that returns no ids
            known = dict(
                InboundMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk")
            )
            created = {known[key] for key in new}
    return [known[key] for key in keys], created


def _insert(mails: list[InboundMail]) -> None:
    """`bulk_create` of the batch's new mails. On PostgreSQL one `INSERT ... SELECT FROM
    UNNEST` with a parameter (an array) per column, as Django writes other models' bulk inserts
    there: it leaves it out for this one only because a BinaryField (the raw bytes) may need a
    placeholder of its own on other databases. A 200-row VALUES list costs more to build
    (Django) and to bind (psycopg re-parses a statement of thousands of placeholders each time)
    than to store; this statement is the same for every batch, its parsing cached."""
    if connection.vendor != "postgresql" or len(mails) < 2:  # noqa: PLR2004
        InboundMail.objects.bulk_create(mails)
        return
    fields = [f for f in InboundMail._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    table = connection.ops.quote_name(InboundMail._meta.db_table)
    pk = connection.ops.quote_name(InboundMail._meta.pk.column)
    sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {pk}"  # noqa: S608  (names from the model)
    params = [
        [f.get_db_prep_save(f.pre_save(mail, add=True), connection) for mail in mails]
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for mail, pk_value in zip(mails, ids, strict=True):  # UNNEST keeps the rows' order
        mail.pk = pk_value
        mail._state.adding = False
        mail._state.db = connection.alias
