"""Health endpoints for a load balancer or a monitor: JSON, no personal data, no login.

/healthz: the process answers. /readyz: it can do its work — the database answers, Redis answers
(when configured), every queue's heartbeat task was run by a worker lately, and beat has stamped its
own heartbeat lately. Anything down gives 503 with what is down.
"""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Heartbeat


def _limit():
    # Two missed beats and some slack, as on the home page's Celery status.
    return datetime.timedelta(seconds=settings.HEARTBEAT_SECONDS * 2 + 10)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not used"  # the demo's file broker and local cache
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _workers() -> str:
    """Every queue has a worker: each queue's heartbeat task was run lately."""
    seen = dict(Heartbeat.objects.filter(name__in=settings.QUEUE_NAMES).values_list("name", "last_seen"))
    idle = [queue for queue in settings.QUEUE_NAMES if not seen.get(queue) or timezone.now() - seen[queue] > _limit()]
    return f"no worker lately on {', '.join(idle)}" if idle else "ok"


def _beat() -> str:
    ticked = Heartbeat.objects.filter(name=Heartbeat.BEAT).values_list("last_seen", flat=True).first()
    return "ok" if ticked and timezone.now() - ticked <= _limit() else "not sending lately"


CHECKS = {"database": _database, "redis": _redis, "worker": _workers, "beat": _beat}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure is "down", named by its type only
            results[name] = f"down ({type(error).__name__})"
    ready = all(value in {"ok", "not used"} for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
