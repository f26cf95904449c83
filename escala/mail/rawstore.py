"""Where the raw bytes of an inbound mail live: in the database row (the default) or in the
`rawmail` storage of STORAGES (local disk under var/rawmail, or S3-compatible object storage
with ESCALA_S3_BUCKET); see docs/decisions/0022-raw-mail-storage.md.

- Written first: `keep()` puts the bytes in their storage and only then does the caller insert
  the row that names them, so a mail is never a row without its bytes. When the storage cannot
  take them, `Unavailable` (an OperationalError, like a database that is down) makes every way
  in answer "try again later": the SMTP listener 451, the pipe 75, IMAP leaves the mail unseen.
- Content-addressed: the object's name is the SHA-256 of the bytes (`ab/cd/<sha256>.eml`),
  never anything the sender chose. Writing the same mail twice writes the same object, so a
  retry after a crash, a second delivery racing the first or `move-raw` run again never leaves
  a second copy. One row per object: identical bytes have the same dedup key (one row).
- Read anywhere as `mail.raw` (a property calling `read()`): the bytes from the row's column
  (`raw_column`, the database column "raw") or from the object the row names, checked against
  the SHA-256 kept in the row, so processing, the quarantine, bounces and the sender checks need
  not know where the bytes are. A property, not a field descriptor: Django's own reads and
  writes of the row (save, refresh, deferred loading) only ever see the column, so bytes from
  the storage are never written back into the database.
- Erased with the row: `forget()` deletes the objects of rows being emptied or deleted, inside
  the caller's transaction (if the storage cannot delete, the erasure fails as a whole).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.utils import OperationalError

log = logging.getLogger(__name__)

STORAGE = "rawmail"  # the entry of settings.STORAGES


class Unavailable(OperationalError):  # noqa: N818  (named like the database's own errors)
    """The raw-mail storage cannot be written or read now, or an object is missing or damaged.

    An OperationalError on purpose: every way in already treats one as "keep the mail and try
    again later" (451, exit 75, the IMAP message left unseen, `received` mail retried by the
    worker's leftovers job), which is exactly what a storage outage needs."""


def storage() -> Storage:
    return storages[STORAGE]


def to_storage() -> bool:
    """Does new mail go to the storage (True) or stay in the database row (False)?"""
    return settings.ESCALA_RAW_MAIL_STORE == "storage"


def name_for(sha256: str) -> str:
    """The object's name: the content's SHA-256, two levels of folders to keep listings short."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.eml"


def keep(raw: bytes) -> dict[str, Any]:
    """The raw-mail fields of a new InboundMail row, the bytes already written where they go.
    Raises Unavailable when the storage cannot take them (no row must be written then)."""
    raw = bytes(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    if not to_storage():
        return {"raw_column": raw, "raw_key": "", "raw_sha256": sha256}
    return {"raw_column": b"", "raw_key": put(raw, sha256), "raw_sha256": sha256}


def put(raw: bytes, sha256: str) -> str:
    """Write `raw` under its content name (once: an object of that name and size is the same
    mail already written). Returns the name."""
    name = name_for(sha256)
    store = storage()
    try:
        # Object storage replaces an object whole (settings: file_overwrite): one PUT, no
        # look-ups first. A local disk is checked, as it writes in place.
        if not getattr(store, "file_overwrite", False) and store.exists(name):
            if store.size(name) == len(raw):
                return name
            # A smaller file: a writer that died half-way (local disk). Write it again.
            store.delete(name)
        saved = store.save(name, ContentFile(raw, name=name.rpartition("/")[2]))
        if saved != name:
            # A concurrent delivery of the same bytes created `name` first: same content.
            store.delete(saved)
    except Exception as exc:
        log.warning("raw mail storage: cannot write %s: %s", name, exc)
        raise Unavailable(f"raw mail storage cannot store the mail ({exc})") from exc
    return name


def read_object(name: str, sha256: str = "") -> bytes:
    """The bytes of an object, checked against `sha256` when given."""
    try:
        with storage().open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Unavailable(f"raw mail {name} is missing from its storage") from exc
    except Exception as exc:
        raise Unavailable(f"raw mail storage cannot be read ({exc})") from exc
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise Unavailable(f"raw mail {name} in storage does not match its SHA-256: damaged")
    return data


def read(mail: Any) -> bytes:
    """A mail's raw bytes, wherever they live (an object is read once per instance)."""
    key = mail.raw_key
    if not key:
        return bytes(mail.raw_column)
    cached = getattr(mail, "_raw_object", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    data = read_object(key, mail.raw_sha256)
    mail._raw_object = (key, data)
    return data


def forget(mails: Iterable[Any]) -> int:
    """Delete the objects of these rows (about to be emptied or deleted by the caller, in its
    transaction, with the rows locked). An object another row still names is kept. Raises
    Unavailable when the storage cannot delete: the caller's transaction then changes nothing."""
    by_key = {m.raw_key: m.pk for m in mails if m.raw_key}
    return _delete_unreferenced(set(by_key), ignoring=set(by_key.values()))


def _delete_unreferenced(keys: set[str], *, ignoring: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """Delete the objects no row but those `ignoring` names."""
    from .models import InboundMail

    if not keys:
        return 0
    named = set(
        InboundMail.objects.filter(raw_key__in=list(keys))
        .exclude(pk__in=list(ignoring))
        .values_list("raw_key", flat=True)
    )
    store = storage()
    deleted = 0
    for key in sorted(keys - named):
        try:
            store.delete(key)
        except Exception as exc:
            raise Unavailable(f"raw mail storage cannot delete {key} ({exc})") from exc
        deleted += 1
    return deleted


# --- moving the raw mail of an existing installation ------------------------------------------


def move_to_storage(
    *, batch: int = 200, limit: int | None = None, say: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Move the raw bytes kept in database rows to the storage, `batch` rows at a time.

    Resumable and idempotent: a row is moved when its object is written AND the row updated to
    name it (in that order); what is left in the database is what a next run moves, and a run
    after a crash writes the same object again (its content name). A row that changed meanwhile
    (erased, or moved by a concurrent run) is left alone and the object it no longer needs is
    deleted."""
    from .models import InboundMail

    say = say or (lambda message: None)
    done = {"moved": 0, "skipped": 0, "bytes": 0}
    last = 0
    waiting = InboundMail.objects.filter(raw_key="", size__gt=0).order_by("pk")
    while limit is None or done["moved"] < limit:
        size = batch if limit is None else min(batch, limit - done["moved"])
        rows = list(waiting.filter(pk__gt=last).only("pk", "raw_column", "size")[:size])
        if not rows:
            break
        last = rows[-1].pk
        written = []
        for row in rows:
            raw = bytes(row.raw_column)
            if len(raw) != row.size:
                done["skipped"] += 1  # not the mail's bytes (emptied meanwhile): left alone
                continue
            sha256 = hashlib.sha256(raw).hexdigest()
            written.append((row, put(raw, sha256), sha256))
        _name_objects(written, done)
        say(f"moved {done['moved']} mails ({done['bytes']} bytes) so far, up to id {last}")
    return done


def _name_objects(written: list[tuple[Any, str, str]], done: dict[str, int]) -> None:
    """Point the rows at their objects (written already) and empty their column, in one
    transaction. Only a row still as it was read: else its object is not needed."""
    from .models import InboundMail

    with transaction.atomic():
        for row, key, sha256 in written:
            moved = InboundMail.objects.filter(pk=row.pk, raw_key="", size=row.size).update(
                raw_column=b"", raw_key=key, raw_sha256=sha256
            )
            if moved:
                done["moved"] += 1
                done["bytes"] += row.size
            else:
                done["skipped"] += 1
                _delete_unreferenced({key})
