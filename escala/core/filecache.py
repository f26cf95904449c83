"""Django's file cache (ESCALA_CACHE=file), with a `set_many` that makes room once.

The stock backend lists the whole cache directory before writing each key (`_cull`): the worker
stamping a relayed batch's two hundred tickets for the live console (desk.live) listed it two
hundred times, a third of the relay's CPU. Here a `set_many` culls once, then writes its keys;
the directory may exceed MAX_ENTRIES by one call's keys until the next write culls it.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files.move import file_move_safe


class FileCache(FileBasedCache):
    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        self._createdir()  # the directory can be deleted at any time
        self._cull()
        for key, value in data.items():
            self._write(self._key_to_file(key, version), value, timeout)
        return []

    def _write(self, fname: str, value: Any, timeout: Any) -> None:
        # FileBasedCache.set without its _cull: a temporary file, renamed over the key's.
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        renamed = False
        try:
            with open(fd, "wb") as f:
                self._write_content(f, timeout, value)
            file_move_safe(tmp_path, fname, allow_overwrite=True)
            renamed = True
        finally:
            if not renamed:
                os.remove(tmp_path)
