"""/healthz and /readyz for load balancers: JSON, no login, 503 when something is down."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from outreach.models import Heartbeat

pytestmark = pytest.mark.django_db


def beat_and_worker_seen(ago: datetime.timedelta, queues=None):
    """Beat ticked, and a worker on each of `queues` (all by default) ran its heartbeat, `ago`."""
    for name in [Heartbeat.BEAT, *(settings.QUEUE_NAMES if queues is None else queues)]:
        Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now() - ago})


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_redis_worker_and_beat_are(client):
    beat_and_worker_seen(datetime.timedelta(seconds=5))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}


def test_readyz_says_what_is_down(client, settings):
    beat_and_worker_seen(datetime.timedelta(minutes=10))  # both stopped ten minutes ago
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"].startswith("down")
    assert checks["worker"] == "no worker lately on default, reminders, imports, rollups" and checks["beat"] == "not sending lately"


def test_readyz_names_the_queue_that_has_no_worker(client):
    beat_and_worker_seen(datetime.timedelta(seconds=5), queues=["default", "imports", "rollups"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no worker lately on reminders"


def test_readyz_holds_no_personal_data(client, cadre):
    body = client.get("/readyz").content.decode()
    assert cadre.username not in body and cadre.real_name not in body
