"""Django's file cache (ESCALA_CACHE=file), without a directory listing per write.

The stock backend lists the whole cache directory before writing each key (`_cull`), to learn
whether it holds MAX_ENTRIES files. The live console stamps every changed ticket (desk.live), so
the directory grows towards MAX_ENTRIES (20,000) and each write came to cost its listing: 65 ms of
CPU per API-created ticket with 7,500 files, more than the creation itself (decision 0021).

Here a cache object remembers how many files its last listing found and how many keys it has
written since, and lists the directory again only when that count reaches MAX_ENTRIES (culling
then as the stock backend does) or after MAX_ENTRIES / 10 writes of its own (other processes
write too). The directory may exceed MAX_ENTRIES by what the server's other processes and threads
wrote since their last listing, each at most a tenth of it. `set_many` culls once for all its
keys.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import random
import threading
import zlib
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # as mkstemp: never write through a planted link


class FileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:  # noqa: A002  (Django's name)
        super().__init__(dir, params)
        self._seen: int | None = None  # files at the last listing (after its cull); None: never
        self._added = 0  # keys this object wrote since

    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        self._createdir()  # the directory can be deleted at any time
        self._cull(adding=len(data))
        for key, value in data.items():
            self._write(self._key_to_file(key, version), value, timeout)
        return []

    def _cull(self, adding: int = 1) -> None:
        """Make room before writing `adding` keys (`set` writes one), listing the directory only
        when this object's count says it may be full, or has not been checked for a while."""
        if (
            self._seen is not None
            and self._seen + self._added < self._max_entries
            and self._added < max(1, self._max_entries // 10)
        ):
            self._added += adding
            return
        files = self._list_cache_files()
        left = len(files)
        if left >= self._max_entries:
            if self._cull_frequency == 0:
                self.clear()  # as the stock backend: CULL_FREQUENCY 0 empties the cache
                left = 0
            else:  # as the stock backend: a random share of the files
                doomed = random.sample(files, int(left / self._cull_frequency))
                for fname in doomed:
                    self._delete(fname)
                left -= len(doomed)
        self._seen = left
        self._added = adding

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._createdir()  # the directory can be deleted at any time
        self._cull()
        self._write(self._key_to_file(key, version), value, timeout)

    def _write(self, fname: str, value: Any, timeout: Any) -> None:
        """FileBasedCache.set's file (the expiry pickled, then the value pickled and compressed),
        written to a temporary file renamed over the key's. The temporary file is named after
        this process and thread, which write one file at a time (no random name to draw and
        try), and `os.replace` renames it (`file_move_safe` compared the two files first: two
        more system calls per key)."""
        data = pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol)
        data += zlib.compress(pickle.dumps(value, self.pickle_protocol))
        # Not ".djcache": listings and culls skip it. A dead process's leftover is overwritten.
        tmp_path = f"{fname}.{os.getpid()}-{threading.get_ident()}.tmp"
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
        renamed = False
        try:
            with open(fd, "wb", buffering=0) as f:
                f.write(data)
            os.replace(tmp_path, fname)
            renamed = True
        finally:
            if not renamed:
                with contextlib.suppress(OSError):
                    os.remove(tmp_path)
