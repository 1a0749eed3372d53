"""Rate limits on the cache (Redis in production): for public, unauthenticated endpoints and wrong guesses.

Two kinds: `allow`/`blocked`, a fixed window of attempts; `Backoff`, a wait that grows after a few free
failures. When the cache cannot be reached (Redis down), counting goes on in this process's memory
(`_LocalCounters`): a limit then holds per gunicorn worker, so a little looser, but it still limits, and a
public page never answers 500 because Redis blinked."""

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


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
    return _count(_name(scope, key), timeout=window_seconds) <= limit


def blocked(scope: str, key: str, *, limit: int) -> bool:
    """Whether `limit` attempts are already counted (without counting one more)."""
    return (_call("get", _name(scope, key)) or 0) >= limit


ATTEMPT_SLOT_SECONDS = 10


@dataclass(frozen=True)
class Backoff:
    """A wait that grows with failures: after `free` failures the next attempt waits `first_wait` seconds,
    and each further failure doubles the wait, up to `max_wait`.
    Failures are forgotten `memory` seconds after the last one. Attempts refused while waiting are not
    counted, so a person who retries too early is not punished further."""

    scope: str
    free: int
    first_wait: int
    max_wait: int
    memory: int

    def wait(self, key: str) -> int:
        """Seconds before the next attempt may be made; 0 means now."""
        until = _call("get", self._until(key)) or 0
        return max(0, math.ceil(until - time.time()))

    def failure(self, key: str) -> int:
        """Count one failure; the wait it imposes on the next attempt (0 before `free` failures)."""
        failures = _count(_name(self.scope, key), timeout=self.memory, extend=True)
        if failures < self.free:
            return 0
        wait = min(self.max_wait, self.first_wait * 2 ** min(failures - self.free, 32))
        _call("set", self._until(key), time.time() + wait, timeout=wait + 1)
        return wait

    def failures(self, key: str) -> int:
        return _call("get", _name(self.scope, key)) or 0

    def begin(self, key: str) -> bool:
        """Take the one slot for an attempt on `key`; False while another attempt on it is being answered.
        Attempts on a key are answered one after another, so parallel requests cannot all pass `wait()`
        before any of their failures is counted. The slot lapses by itself if its request dies."""
        return bool(_call("add", self._slot(key), 1, timeout=ATTEMPT_SLOT_SECONDS))

    def end(self, key: str) -> None:
        _call("delete", self._slot(key))

    def _slot(self, key: str) -> str:
        return _name(f"{self.scope}:slot", key)

    def reset(self, key: str) -> None:
        _call("delete", _name(self.scope, key))
        _call("delete", self._until(key))

    def _until(self, key: str) -> str:
        return _name(f"{self.scope}:until", key)


def _count(name: str, *, timeout: int, extend: bool = False) -> int:
    """Add one to a counter kept `timeout` seconds from its first count (from its latest with `extend`)."""
    if _call("add", name, 1, timeout=timeout):
        return 1
    try:
        count = _call("incr", name)
    except ValueError:  # expired between add and incr
        _call("add", name, 1, timeout=timeout)
        return 1
    if extend:
        _call("touch", name, timeout)
    return count


class _LocalCounters:
    """What the cache does for the counters (add, get, incr, set, touch, delete with expiry), in this
    process's memory, for while the cache cannot be reached. Bounded: the oldest keys go first."""

    MAX_KEYS = 100_000

    def __init__(self):
        self._items: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()

    def _get(self, name: str):
        item = self._items.get(name)
        if item is not None and item[1] <= time.time():
            del self._items[name]
            return None
        return item

    def _put(self, name: str, value, timeout) -> None:
        if name not in self._items and len(self._items) >= self.MAX_KEYS:
            now = time.time()
            for stale in [k for k, (_v, expires) in self._items.items() if expires <= now] or list(self._items)[: self.MAX_KEYS // 10]:
                del self._items[stale]
        self._items.pop(name, None)  # re-inserted last: dict order is the eviction order
        self._items[name] = (value, time.time() + timeout)

    def add(self, name, value, timeout):
        with self._lock:
            if self._get(name) is not None:
                return False
            self._put(name, value, timeout)
            return True

    def get(self, name, default=None):
        with self._lock:
            item = self._get(name)
            return default if item is None else item[0]

    def incr(self, name, delta=1):
        with self._lock:
            item = self._get(name)
            if item is None:
                raise ValueError(f"Key '{name}' not found")
            self._items[name] = (item[0] + delta, item[1])
            return item[0] + delta

    def set(self, name, value, timeout):
        with self._lock:
            self._put(name, value, timeout)

    def touch(self, name, timeout):
        with self._lock:
            item = self._get(name)
            if item is not None:
                self._items[name] = (item[0], time.time() + timeout)
            return item is not None

    def delete(self, name):
        with self._lock:
            return self._items.pop(name, None) is not None


_local = _LocalCounters()
_cache_down_until: dict[str, float] = {}
RETRY_CACHE_AFTER = 5.0  # seconds in memory only, after the cache failed, before it is tried again


def _call(operation: str, name: str, *args, **kwargs):
    """One cache operation, or the same on the in-memory counters while the cache cannot be reached."""
    where = str(settings.CACHES["default"].get("LOCATION", ""))
    local_name = f"{where}|{cache.make_key(name)}"  # the cache's place, prefix and version: sites and tests stay apart here too
    if time.time() < _cache_down_until.get(where, 0.0):
        return getattr(_local, operation)(local_name, *args, **kwargs)
    try:
        return getattr(cache, operation)(name, *args, **kwargs)
    except ValueError:  # incr of a key that is not there: the caller's business
        raise
    except Exception:  # any failure of the cache (Redis down, a timeout) must not fail the request
        log.warning("rate-limit cache unreachable: counting in this process for %s s", RETRY_CACHE_AFTER, exc_info=True)
        _cache_down_until[where] = time.time() + RETRY_CACHE_AFTER
        return getattr(_local, operation)(local_name, *args, **kwargs)


def _name(scope: str, key: str) -> str:
    """The counter's cache key: what a visitor typed is hashed, so any text makes a short, safe key."""
    return f"ratelimit:{scope}:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"
