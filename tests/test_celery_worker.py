"""A real Celery worker and beat, as separate processes, on the real Redis and the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from outreach.celery import app
from outreach.models import Heartbeat
from outreach.tasks import heartbeat

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    s = connection.settings_dict  # during tests NAME is the test database
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_until(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def celery_processes(django_db_setup, django_db_blocker, tmp_path_factory):
    """Worker and beat on the default queue of the test Redis database, beating every second."""
    with django_db_blocker.unblock():
        url = database_url()
    assert app.conf.broker_url.startswith("redis://"), "tests need the real Redis broker"
    app.control.purge()
    logs = tmp_path_factory.mktemp("celery")
    env = {**os.environ, "DATABASE_URL": url, "HEARTBEAT_SECONDS": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    commands = {
        "worker": ["worker", "--pool", "solo", "--loglevel", "INFO", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"],
        "beat": ["beat", "--loglevel", "INFO", "--schedule", str(logs / "beat-schedule")],
    }
    processes = {}
    for name, args in commands.items():
        log = open(logs / f"{name}.log", "w")
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "outreach", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    yield logs
    for process in processes.values():
        process.terminate()
    for process in processes.values():
        process.wait(timeout=20)
    app.control.purge()


def _log_tail(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_and_writes_the_database(celery_processes):
    heartbeat.delay(name="sent-by-test")

    assert wait_until(lambda: Heartbeat.objects.filter(name="sent-by-test").exists()), _log_tail(celery_processes)
    stamped = Heartbeat.objects.get(name="sent-by-test").last_seen
    assert abs((timezone.now() - stamped).total_seconds()) < 60


@pytest.mark.django_db(transaction=True)
def test_beat_keeps_scheduling_the_heartbeat_and_the_worker_keeps_running_it(celery_processes):
    assert wait_until(lambda: Heartbeat.objects.filter(name="celery").exists()), _log_tail(celery_processes)
    first = Heartbeat.objects.get(name="celery").last_seen

    assert wait_until(lambda: Heartbeat.objects.get(name="celery").last_seen > first), _log_tail(celery_processes)
