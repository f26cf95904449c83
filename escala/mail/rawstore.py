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
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.utils import OperationalError

from escala.core import clock

log = logging.getLogger(__name__)

STORAGE = "rawmail"  # the entry of settings.STORAGES


class Unavailable(OperationalError):  # noqa: N818  (named like the database's own errors)
    """The raw-mail storage cannot be written or read now, or an object is missing or damaged.

    An OperationalError on purpose: every way in already treats one as "keep the mail and try
    again later" (451, exit 75, the IMAP message left unseen, `received` mail retried by the
    worker's leftovers job), which is exactly what a storage outage needs."""


class Damaged(Unavailable):
    """An object is missing from the storage or does not match the SHA-256 kept in its row:
    trying again later does not help (a storage that cannot be reached is `Unavailable`)."""


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
                if _touch(store, name):  # in use again: not an orphan for `mail raw-orphans`
                    return name
            else:
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


def _touch(store: Storage, name: str) -> bool:
    """Mark an object written again (its modification time): `find_orphans` leaves alone what
    changed within its grace period, such as a mail whose row is about to be inserted. False:
    the object is gone (deleted as an orphan just now), so it must be written again."""
    try:
        os.utime(store.path(name))
    except NotImplementedError:  # no local path: such a storage rewrites (file_overwrite)
        return True
    except FileNotFoundError:
        return False
    return True


def read_object(name: str, sha256: str = "") -> bytes:
    """The bytes of an object, checked against `sha256` when given."""
    try:
        with storage().open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Damaged(f"raw mail {name} is missing from its storage") from exc
    except Exception as exc:
        raise Unavailable(f"raw mail storage cannot be read ({exc})") from exc
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise Damaged(f"raw mail {name} in storage does not match its SHA-256: damaged")
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


MOVE_BATCH_BYTES = 64 * 1024 * 1024  # a batch moved back into the database holds at most this


def move_to_database(
    *, batch: int = 200, limit: int | None = None, say: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Move the raw bytes kept in the storage back into their database rows, `batch` rows (and
    at most MOVE_BATCH_BYTES) at a time: the way back of `move_to_storage`.

    Resumable and idempotent the same way: each object is read and checked against its SHA-256,
    then in one transaction per batch a row still naming that object gets the bytes in its
    column and names no object any more; only after that commit are the objects no row names
    deleted. Interrupted before the commit, a next run reads them again; after it, the rows are
    moved and `escala mail raw-orphans` lists what was not yet deleted. A row that changed
    meanwhile (erased, moved by a concurrent run) is left alone; an object missing or damaged is
    left as it is and counted, for an administrator to look at (the row keeps naming it)."""
    from .models import InboundMail

    say = say or (lambda message: None)
    done = {"moved": 0, "skipped": 0, "damaged": 0, "bytes": 0}
    last = 0
    waiting = InboundMail.objects.exclude(raw_key="").order_by("pk")
    while limit is None or done["moved"] < limit:
        size = batch if limit is None else min(batch, limit - done["moved"])
        rows = list(waiting.filter(pk__gt=last).only("pk", "raw_key", "raw_sha256")[:size])
        if not rows:
            break
        read: list[tuple[Any, bytes]] = []
        held = 0
        for row in rows:
            if held >= MOVE_BATCH_BYTES:
                break  # the rest of these rows in the next batch
            last = row.pk
            try:
                data = read_object(row.raw_key, row.raw_sha256)
            except Damaged as exc:
                log.warning("raw mail %s not moved: %s", row.pk, exc)
                done["damaged"] += 1
                continue
            read.append((row, data))
            held += len(data)
        _fill_columns(read, done)
        say(f"moved {done['moved']} mails ({done['bytes']} bytes) so far, up to id {last}")
    return done


def _fill_columns(read: list[tuple[Any, bytes]], done: dict[str, int]) -> None:
    """Put the bytes in the rows still naming their objects, in one transaction; then delete
    the objects no row names any more."""
    from .models import InboundMail

    keys = set()
    with transaction.atomic():
        for row, data in read:
            moved = InboundMail.objects.filter(pk=row.pk, raw_key=row.raw_key).update(
                raw_column=data, raw_key="", raw_sha256=hashlib.sha256(data).hexdigest()
            )
            keys.add(row.raw_key)
            if moved:
                done["moved"] += 1
                done["bytes"] += len(data)
            else:
                done["skipped"] += 1
    _delete_unreferenced(keys)


# --- objects no row names ---------------------------------------------------------------------

ORPHAN_GRACE = timedelta(days=7)  # longer than any sender's retries (RFC 5321: 4-5 days)
_OBJECT_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})\.eml")


@dataclass
class Orphans:
    found: list[str] = field(default_factory=list)  # their names (deleted ones, with `delete`)
    recent: int = 0  # unnamed but changed within the grace period: left alone
    deleted: int = 0
    bytes: int = 0


def object_names() -> Iterable[str]:
    """Every object of the raw-mail storage that Escala could have written (ab/cd/<sha256>.eml;
    anything else under the storage's root is never listed, never deleted)."""
    store = storage()
    try:
        firsts, _files = store.listdir("")
    except FileNotFoundError:
        return
    for first in sorted(firsts):
        if not re.fullmatch(r"[0-9a-f]{2}", first):
            continue
        seconds, _files = store.listdir(first)
        for second in sorted(seconds):
            if not re.fullmatch(r"[0-9a-f]{2}", second):
                continue
            _dirs, files = store.listdir(f"{first}/{second}")
            for name in sorted(files):
                full = f"{first}/{second}/{name}"
                found = _OBJECT_NAME.fullmatch(full)
                if found and found[1].startswith(first + second):
                    yield full


def _unnamed(keys: list[str]) -> list[str]:
    from .models import InboundMail

    named = set(InboundMail.objects.filter(raw_key__in=keys).values_list("raw_key", flat=True))
    return [k for k in keys if k not in named]


def _changed_since(store: Storage, name: str, cutoff: datetime) -> bool | None:
    """Whether the object changed after `cutoff` (None: it is gone)."""
    try:
        return store.get_modified_time(name) > cutoff
    except FileNotFoundError:
        return None


def find_orphans(
    *, delete: bool = False, grace: timedelta = ORPHAN_GRACE, chunk: int = 500
) -> Orphans:
    """The objects no stored mail row names: left by a mail whose row was never inserted (the
    database failed after the storage write and the sender did not retry), or by an interrupted
    `move-raw --to-database`. With `delete`, they are deleted.

    Never an object a row may be about to name: an object changed within `grace` is left alone
    (a mail being stored writes, or touches, its object just before inserting its row; the
    default outlasts a sender's retries), and each one is checked against the rows again, and
    its time again, right before it is deleted."""
    store = storage()
    result = Orphans()
    cutoff = clock.now() - grace
    names = iter(object_names())
    while keys := [name for _i, name in zip(range(chunk), names, strict=False)]:
        candidates = []
        for key in _unnamed(keys):
            changed = _changed_since(store, key, cutoff)
            if changed:
                result.recent += 1
            elif changed is not None:
                candidates.append(key)
        if delete:
            candidates = _delete_orphans(store, candidates, cutoff, result)
        result.found.extend(candidates)
    return result


def _delete_orphans(
    store: Storage, keys: list[str], cutoff: datetime, result: Orphans
) -> list[str]:
    """Delete these orphans, each checked once more right before; the names deleted."""
    deleted = []
    for key in _unnamed(keys):  # asked again: a row may have been inserted meanwhile
        if _changed_since(store, key, cutoff) is not False:
            continue  # written again just now, or gone: not ours to delete
        try:
            size = store.size(key)
            store.delete(key)
        except FileNotFoundError:
            continue
        except Exception as exc:
            raise Unavailable(f"raw mail storage cannot delete {key} ({exc})") from exc
        result.bytes += size
        result.deleted += 1
        deleted.append(key)
    return deleted
