"""Per-process copies that every process forgets together.

A process keeps a small copy of rows it reads on every request (API tokens, the mailboxes and
vendor domains mail is matched against). A change made in one process must reach the others: the
copy carries a generation number kept in Django's cache (Redis when ESCALA_CACHE=redis://...,
shared by every host), and `forget()` bumps it. Each use compares one small cached integer
instead of reading the rows again. Without a shared cache ("memory") a copy also never outlives
`max_age` seconds, so another process is at most that late.

    _tokens = SharedCopy("api-tokens", max_age=2.0)
    copy = _tokens.current()     # a dict, empty after any process called _tokens.forget()
"""

from __future__ import annotations

import threading
import time

from django.core.cache import cache


class SharedCopy:
    def __init__(self, name: str, *, max_age: float) -> None:
        self.key = f"shared-copy-gen:{name}"
        self.max_age = max_age
        self._lock = threading.Lock()
        self._data: dict = {}
        self._generation: int | None = None
        self._loaded_at = 0.0

    def _shared_generation(self) -> int:
        try:
            return int(cache.get(self.key, 0))
        except Exception:  # noqa: BLE001 - the cache is down: trust nothing kept
            return -1

    def current(self) -> dict:
        """The copy, emptied first if another process changed the rows or it is too old."""
        generation = self._shared_generation()
        now = time.monotonic()
        with self._lock:
            if (
                generation != self._generation
                or generation == -1
                or now - self._loaded_at > self.max_age
            ):
                self._data = {}
                self._generation = generation
                self._loaded_at = now
            return self._data

    def forget(self, *args: object, **kwargs: object) -> None:
        """Signal receiver (any arguments): the rows changed; every process drops its copy."""
        try:
            if not cache.add(self.key, 1, timeout=None):
                cache.incr(self.key)
        except ValueError:  # evicted between add and incr
            cache.add(self.key, 1, timeout=None)
        except Exception:  # noqa: BLE001, S110 - the cache is down: others expire by max_age
            pass
        with self._lock:
            self._data = {}
            self._generation = None
