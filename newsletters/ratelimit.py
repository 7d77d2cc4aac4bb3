"""A fixed-window counter in Django's cache (shared by every web process when CACHE_URL is Redis)."""

import hashlib

from django.core.cache import cache


def rate_limit_exceeded(key: str, *, limit: int, period: int) -> bool:
    """Count one attempt under ``key``; True once more than ``limit`` fall in ``period`` seconds."""
    # Addresses are hashed: the cache holds no personal data, and keys stay short.
    cache_key = "newsletters:ratelimit:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count > limit
