"""A fixed-window rate limit on the cache (Redis in production): for public, unauthenticated endpoints."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address. Behind NUM_PROXIES trusted proxies, the entry the outermost of them added
    to X-Forwarded-For; the entries before it are whatever the client chose to send."""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    name = _name(scope, key)
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window_seconds)
        return True


def blocked(scope: str, key: str, *, limit: int) -> bool:
    """Whether `limit` attempts are already counted (without counting one more)."""
    return (cache.get(_name(scope, key)) or 0) >= limit


def _name(scope: str, key: str) -> str:
    """The counter's cache key: what a visitor typed is hashed, so any text makes a short, safe key."""
    return f"ratelimit:{scope}:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"
