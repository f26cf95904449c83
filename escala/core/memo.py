"""Look-ups remembered for one batch of work (a hundred mails filed in one transaction), so the
batch reads each small configuration row (tier, team, priority rule, organization, sender) once.
Outside `batch()` nothing is remembered: a page or a long-lived listener sees the current rows.

    @memo.batch_cached
    def first_tier(): ...
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict | None] = ContextVar("escala_mail_memo", default=None)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    if _memo.get() is not None:
        yield  # already in a batch
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def batch_cached(func: Callable) -> Callable:
    """Remember the function's result per arguments while a batch is active."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _memo.get() is None:
            return func(*args, **kwargs)
        key = (name, args, tuple(sorted(kwargs.items())))
        return cached(key, lambda: func(*args, **kwargs))

    return wrapper


def active() -> bool:
    return _memo.get() is not None


def cached(key: tuple, load: Callable[[], Any]) -> Any:
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def remember(key: tuple, value: Any) -> None:
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def get(key: tuple, default: Any = None) -> Any:
    memo = _memo.get()
    return default if memo is None else memo.get(key, default)


def take(key: tuple, default: Any = None) -> Any:
    """Remove and return what the batch remembered under `key` (a row good for one use)."""
    memo = _memo.get()
    return default if memo is None else memo.pop(key, default)


def snapshot() -> dict | None:
    memo = _memo.get()
    return None if memo is None else dict(memo)


def restore(saved: dict | None) -> None:
    """After a rolled-back savepoint: forget rows it created (they no longer exist)."""
    memo = _memo.get()
    if memo is not None and saved is not None:
        memo.clear()
        memo.update(saved)


# --- Configuration read by every request, remembered per process for a few seconds -------------

CONFIG_SECONDS = 5.0
_config: dict[tuple, tuple[float, Any]] = {}


def config_cached(func: Callable) -> Callable:
    """Remember a read of small configuration tables (tiers, teams, the priority matrix) in this
    process for CONFIG_SECONDS: an API burst then files each ticket without reading them again.
    A save or delete in this process forgets everything at once (`forget_config`, connected to
    the models' signals by their app); another server process sees it within CONFIG_SECONDS.
    The rows it returns are shared by every request of the process: read them, never change them."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (name, args, tuple(sorted(kwargs.items())))
        now = time.monotonic()
        hit = _config.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = func(*args, **kwargs)
        _config[key] = (now + CONFIG_SECONDS, value)
        return value

    return wrapper


def forget_config(*args: Any, **kwargs: Any) -> None:
    """Signal receiver (any arguments): configuration changed."""
    _config.clear()
