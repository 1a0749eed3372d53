"""A real Celery worker and beat, as separate processes, on the real Redis and the test database.

Each test starts its own worker and beat and stops them (and waits until their database sessions have ended)
before its tables are emptied: no test depends on another one having run first, and no beat writes its
schedule while a flush runs."""

import pytest
from django.utils import timezone

from outreach.models import Heartbeat
from outreach.tasks import heartbeat

from .celery_processes import celery_processes, log_tail, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]


@pytest.fixture
def worker_and_beat(transactional_db, tmp_path):
    # After transactional_db, so torn down before it: the processes are gone when the tables are emptied.
    with celery_processes(tmp_path, beat=True, extra_env={"HEARTBEAT_SECONDS": "1"}) as logs:
        yield logs


def test_beat_keeps_its_schedule_in_the_database_for_admins_to_edit(worker_and_beat):
    from django_celery_beat.models import PeriodicTask

    assert wait_until(lambda: PeriodicTask.objects.filter(name="sweep-deadlines").exists(), 60), log_tail(worker_and_beat)
    sweep = PeriodicTask.objects.get(name="sweep-deadlines")
    assert sweep.task == "grievances.tasks.sweep_deadlines" and sweep.enabled and sweep.interval.every == 15 * 60


def test_a_real_worker_runs_a_task_and_writes_the_database(worker_and_beat):
    heartbeat.delay(name="sent-by-test")

    assert wait_until(lambda: Heartbeat.objects.filter(name="sent-by-test").exists(), 60), log_tail(worker_and_beat)
    stamped = Heartbeat.objects.get(name="sent-by-test").last_seen
    assert abs((timezone.now() - stamped).total_seconds()) < 60


def test_beat_keeps_scheduling_the_heartbeat_and_the_worker_keeps_running_it(worker_and_beat):
    assert wait_until(lambda: Heartbeat.objects.filter(name="default").exists(), 60), log_tail(worker_and_beat)
    first = Heartbeat.objects.get(name="default").last_seen

    assert wait_until(lambda: Heartbeat.objects.get(name="default").last_seen > first, 60), log_tail(worker_and_beat)


def test_readyz_is_ready_with_a_real_worker_and_beat_and_not_without_them(worker_and_beat, client):
    ready = lambda: client.get("/readyz").status_code == 200  # noqa: E731
    assert wait_until(ready, 60), client.get("/readyz").json()
    assert client.get("/readyz").json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}
