"""Exactly one beat sends: a second one stands by on the PostgreSQL advisory lock and takes over
when the first one stops; a beat that loses the lock's connection stops (outreach/beat.py).

The beats publish to a Redis database of their own, so that no worker of the test session runs what
they send."""

import os
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.db import connection

from .celery_processes import ROOT, wait_until, worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def beats(tmp_path):
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    started = []

    def start(name):
        env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": broker, "HEARTBEAT_SECONDS": "1"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        log = tmp_path / f"{name}.log"
        started.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "outreach", "beat", "--loglevel", "INFO", "--pidfile="],
            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT))
        return started[-1], log

    try:
        yield start
    finally:
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.Redis.from_url(broker).flushdb()


def sends(log) -> int:
    return log.read_text().count("Scheduler: Sending due task")


def test_a_second_beat_stands_by_until_the_first_stops(beats):
    first, first_log = beats("first")
    assert wait_until(lambda: sends(first_log) > 0, 30), first_log.read_text()
    second, second_log = beats("second")
    assert wait_until(lambda: "standing by" in second_log.read_text(), 30), second_log.read_text()
    sent_before = sends(first_log)
    assert wait_until(lambda: sends(first_log) > sent_before + 3, 30)
    assert sends(second_log) == 0  # while the first one runs, the second sends nothing

    first.terminate()
    first.wait(timeout=20)
    assert wait_until(lambda: "Holding the beat lock" in second_log.read_text(), 30), second_log.read_text()
    assert wait_until(lambda: sends(second_log) > 0, 30), second_log.read_text()


def test_a_beat_whose_lock_connection_is_cut_stops_sending(beats):
    beat, log = beats("only")
    assert wait_until(lambda: sends(log) > 0, 30), log.read_text()

    with connection.cursor() as cursor:  # as a network fault or a database restart would
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outreach-beat-lock' "
                       "AND datname = current_database()")

    assert wait_until(lambda: beat.poll() is not None, 30), log.read_text()
    assert "Lost the database connection that holds the beat lock" in log.read_text()


def test_a_standing_by_beat_stops_when_told_to(beats):
    first, first_log = beats("first")
    assert wait_until(lambda: sends(first_log) > 0, 30), first_log.read_text()
    second, second_log = beats("second")
    assert wait_until(lambda: "standing by" in second_log.read_text(), 30), second_log.read_text()

    second.terminate()  # systemctl stop on the standby host
    assert wait_until(lambda: second.poll() is not None, 15), second_log.read_text()
    assert first.poll() is None and sends(second_log) == 0


def test_an_admins_change_to_the_schedule_survives_a_beat_restart(beats):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    first, log = beats("first")  # beat starting: the settings' entries are installed
    assert wait_until(lambda: PeriodicTask.objects.filter(name="sweep-deadlines").exists(), 30), log.read_text()
    sweep = PeriodicTask.objects.get(name="sweep-deadlines")
    assert sweep.task == "grievances.tasks.sweep_deadlines" and sweep.interval.every == 15 * 60
    first.terminate()
    first.wait(timeout=20)
    sweep.interval = IntervalSchedule.objects.create(every=30 * 60, period=IntervalSchedule.SECONDS)  # an admin slows it down
    sweep.save()

    _second, second_log = beats("second")  # beat restarts
    assert wait_until(lambda: "Holding the beat lock" in second_log.read_text(), 30), second_log.read_text()
    assert wait_until(lambda: sends(second_log) > 0, 30), second_log.read_text()  # past start-up, schedule installed
    assert PeriodicTask.objects.get(name="sweep-deadlines").interval.every == 30 * 60
