"""Per-token (or per-user, for the browser) request budget: a fixed window in Django's cache.

The default cache is per process; with several server processes each keeps its own count, so
the effective limit is per process. Point CACHES at a shared cache to make it global.
"""

from django.conf import settings
from django.core.cache import cache

from escala.core import clock

from .errors import RateLimited


def check(key: str) -> None:
    limit = settings.ESCALA_API_RATE_LIMIT
    window = settings.ESCALA_API_RATE_WINDOW
    if limit <= 0:
        return
    now = int(clock.now().timestamp())
    slot = now // window
    cache_key = f"api-rate:{key}:{slot}"
    if cache.add(cache_key, 1, timeout=window + 1):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        return
    if count > limit:
        raise RateLimited(retry_after=max(1, (slot + 1) * window - now))
