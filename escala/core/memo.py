"""Look-ups remembered for one batch of work (a hundred mails filed in one transaction), so the
batch reads each small configuration row (tier, team, priority rule, organization, sender) once.
Outside `batch()` nothing is remembered: a page or a long-lived listener sees the current rows.

    @memo.batch_cached
    def first_tier(): ...
"""

from __future__ import annotations

import contextlib
import functools
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


def snapshot() -> dict | None:
    memo = _memo.get()
    return None if memo is None else dict(memo)


def restore(saved: dict | None) -> None:
    """After a rolled-back savepoint: forget rows it created (they no longer exist)."""
    memo = _memo.get()
    if memo is not None and saved is not None:
        memo.clear()
        memo.update(saved)
