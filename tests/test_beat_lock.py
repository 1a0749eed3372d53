"""Exactly one beat sends: a second one stands by on the PostgreSQL advisory lock and takes over
when the first one stops; a beat that loses the lock's connection stops (outreach/beat.py).

The beats publish to a Redis database of their own, so that no worker of the test session runs what
they send. Each beat is stopped, and its database sessions gone, before the test's tables are emptied."""

import os
import subprocess
import sys

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from .celery_processes import ROOT, session_name, stop, wait_until, worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]


class Beats:
    """`beats(name)` starts a beat and returns (process, log); `beats.stop(process)` stops one and waits until it
    is gone, from the database too; whatever is still running is stopped so at the end."""

    def __init__(self, folder):
        self.folder, self.broker, self.running = folder, settings.REDIS_URL.rsplit("/", 1)[0] + "/13", {}

    def __call__(self, name):
        sessions = session_name(f"beat-{name}")
        env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": self.broker, "HEARTBEAT_SECONDS": "1",
               "PGAPPNAME": sessions}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        log = self.folder / f"{name}.log"
        with open(log, "w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "outreach", "beat", "--loglevel", "INFO", "--pidfile="],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.running[process] = sessions
        return process, log

    def stop(self, process):
        stop(process, sessions=self.running.pop(process))

    def stop_all(self):
        for process in list(self.running):
            self.stop(process)
        redis.Redis.from_url(self.broker).flushdb()


@pytest.fixture
def beats(transactional_db, tmp_path):
    # After transactional_db, so torn down before it: every beat has stopped when the tables are emptied.
    started = Beats(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def sends(log) -> int:
    return log.read_text().count("Scheduler: Sending due task")


def test_a_second_beat_stands_by_until_the_first_stops(beats):
    first, first_log = beats("first")
    assert wait_until(lambda: sends(first_log) > 0, 60), first_log.read_text()
    _second, second_log = beats("second")
    assert wait_until(lambda: "standing by" in second_log.read_text(), 60), second_log.read_text()
    sent_before = sends(first_log)
    assert wait_until(lambda: sends(first_log) > sent_before + 3, 60), first_log.read_text()
    assert sends(second_log) == 0  # while the first one runs, the second sends nothing

    beats.stop(first)
    assert wait_until(lambda: "Holding the beat lock" in second_log.read_text(), 60), second_log.read_text()
    assert wait_until(lambda: sends(second_log) > 0, 60), second_log.read_text()


def test_a_beat_whose_lock_connection_is_cut_stops_sending(beats):
    beat, log = beats("only")
    assert wait_until(lambda: sends(log) > 0, 60), log.read_text()

    with connection.cursor() as cursor:  # as a network fault or a database restart would
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outreach-beat-lock' "
                       "AND datname = current_database()")

    assert wait_until(lambda: beat.poll() is not None, 60), log.read_text()
    assert "Lost the database connection that holds the beat lock" in log.read_text()


def test_a_standing_by_beat_stops_when_told_to(beats):
    first, first_log = beats("first")
    assert wait_until(lambda: sends(first_log) > 0, 60), first_log.read_text()
    second, second_log = beats("second")
    assert wait_until(lambda: "standing by" in second_log.read_text(), 60), second_log.read_text()

    second.terminate()  # systemctl stop on the standby host
    assert wait_until(lambda: second.poll() is not None, 60), second_log.read_text()
    assert second.returncode == 0 and first.poll() is None and sends(second_log) == 0


def waits_for_a_table_lock(application_name) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE NOT granted AND application_name = %s",
                       [application_name])
        return cursor.fetchone()[0] > 0


def test_a_beat_told_to_stop_while_it_sets_up_its_schedule_stops_without_sending(beats):
    # The schedule's table is locked, so that the beat's set-up waits in the middle of a query when it is told to stop.
    with psycopg.connect(worker_database_url()) as blocker:
        blocker.execute("LOCK TABLE django_celery_beat_periodictask IN ACCESS EXCLUSIVE MODE")
        beat, log = beats("only")
        assert wait_until(lambda: waits_for_a_table_lock(beats.running[beat]), 60), log.read_text()
        assert "Holding the beat lock" in log.read_text()
        beat.terminate()  # systemctl stop, or a restart, while beat starts
        blocker.rollback()  # the set-up goes on

    assert wait_until(lambda: beat.poll() is not None, 60), log.read_text()
    assert beat.returncode == 0 and "Stopping as asked (SIGTERM)" in log.read_text() and sends(log) == 0, log.read_text()


def test_an_admins_change_to_the_schedule_survives_a_beat_restart(beats):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    first, first_log = beats("first")  # beat starting: the settings' entries are installed
    assert wait_until(lambda: PeriodicTask.objects.filter(name="sweep-deadlines").exists(), 60), first_log.read_text()
    sweep = PeriodicTask.objects.get(name="sweep-deadlines")
    assert sweep.task == "grievances.tasks.sweep_deadlines" and sweep.interval.every == 15 * 60
    beats.stop(first)  # told to stop perhaps while still setting up: it stops all the same (outreach/beat.py)
    assert first.returncode == 0, first_log.read_text()
    sweep.interval = IntervalSchedule.objects.create(every=30 * 60, period=IntervalSchedule.SECONDS)  # an admin slows it down
    sweep.save()

    _second, second_log = beats("second")  # beat restarts
    assert wait_until(lambda: "Holding the beat lock" in second_log.read_text(), 60), second_log.read_text()
    assert wait_until(lambda: sends(second_log) > 0, 60), second_log.read_text()  # past start-up, schedule installed
    assert PeriodicTask.objects.get(name="sweep-deadlines").interval.every == 30 * 60
