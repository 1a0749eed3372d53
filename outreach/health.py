"""Health endpoints for a load balancer or a monitor: JSON, no personal data, no login.

/healthz: the process answers. /readyz: it can do its work — the database answers, Redis answers
(when configured), every queue's heartbeat task was run by a worker lately, and beat has stamped its
own heartbeat lately. Anything down gives 503 with what is down. `notes` name what a monitor should
know without it failing readiness (a holiday schedule not yet entered).
"""


from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Heartbeat


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
    seen = Heartbeat.last_seen_of(settings.QUEUE_NAMES)
    idle = [queue for queue in settings.QUEUE_NAMES if not Heartbeat.is_fresh(seen.get(queue))]
    return f"no worker lately on {', '.join(idle)}" if idle else "ok"


def _beat() -> str:
    ticked = Heartbeat.last_seen_of([Heartbeat.BEAT]).get(Heartbeat.BEAT)
    return "ok" if Heartbeat.is_fresh(ticked) else "not sending lately"


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
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    # Things a monitor should know that do not stop the site working (settings.READINESS_NOTES).
    notes = {name: note for name, path in settings.READINESS_NOTES.items() if (note := _note(path))}
    if notes:
        body["notes"] = notes
    return JsonResponse(body, status=200 if ready else 503)


def _note(path: str) -> str:
    try:
        return import_string(path)()
    except Exception as error:  # noqa: BLE001 - a note that cannot be read is itself the note
        return f"unknown ({type(error).__name__})"
