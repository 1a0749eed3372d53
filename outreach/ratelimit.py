"""A fixed-window rate limit on the cache (Redis in production): for public, unauthenticated endpoints."""

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind the proxy the app trusts (SECURE_PROXY_SSL_HEADER), the first forwarded address is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    name = f"ratelimit:{scope}:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window_seconds)
        return True
