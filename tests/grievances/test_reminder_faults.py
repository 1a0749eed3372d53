"""Reminders survive real faults: Redis down while cases are saved, a worker killed mid-delivery.

These tests start their own redis-server on a spare port, and their own worker and beat, and stop
only what they started (and wait until their database sessions have ended, before the test's tables
are emptied); the shared Redis and PostgreSQL stay up for the rest of the suite."""

import datetime
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.utils import timezone

from grievances import services
from grievances.models import Case, Delivery, Reminder, UnitWebhook
from tests.celery_processes import (
    ROOT,
    PrivateRedis,
    log_tail,
    session_name,
    stop,
    wait_until,
    worker_database_url,
)

from .test_reminders import Robot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]


class Processes:
    """Worker and beat as subprocesses on the private Redis and the test database."""

    def __init__(self, redis: PrivateRedis, folder: Path, **env):
        self.redis, self.folder, self.extra = redis, folder, env
        self.running: dict[str, subprocess.Popen] = {}
        self.sessions = session_name("faults")

    def start(self, name: str, *args: str):
        env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": self.redis.url, "PGAPPNAME": self.sessions, **self.extra}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        log = open(self.folder / f"{name}.log", "a")
        self.running[name] = subprocess.Popen([sys.executable, "-m", "celery", "-A", "outreach", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str):
        process = self.running.pop(name)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self):
        stop(*self.running.values(), sessions=self.sessions)
        self.running.clear()


@pytest.fixture
def faults(transactional_db, tmp_path):
    # After transactional_db, so torn down before it: worker and beat are gone when the tables are emptied.
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.all().delete()  # beat installs this test's fast intervals
    redis = PrivateRedis(tmp_path)
    redis.start()
    processes = Processes(redis, tmp_path, REMINDER_SWEEP_SECONDS="2", DELIVERY_DISPATCH_SECONDS="1",
                          DELIVERY_LEASE_SECONDS="3", DELIVERY_BACKOFF_SECONDS="1")
    try:
        yield redis, processes
    finally:
        processes.stop_all()
        redis.stop()


def worker_args(name):
    return ["worker", "--pool", "solo", "--loglevel", "INFO", "-n", f"{name}-{os.getpid()}@%h"]


def beat_could_not_reach_the_broker(folder: Path) -> int:
    """How many times beat has logged that it could not reach the broker to send what was due: its connection
    failing (then it tries again, after a pause), or a send failing on a connection it had."""
    log = (folder / "beat.log").read_text()
    return log.count("beat: Connection error") + log.count("Couldn't apply scheduled task")


def test_cases_saved_while_redis_is_down_are_still_reminded(faults, running, tmp_path):
    redis, processes = faults
    processes.start("worker", *worker_args("w1"))
    processes.start("beat", "beat", "--loglevel", "INFO")
    redis.stop()
    # The broker is down; the case is saved all the same (nothing is queued on save).
    Case.objects.filter(pk=running.pk).update(resolve_due=timezone.localdate() + datetime.timedelta(days=3))
    # Beat has the sweep (every 2 s here) to send and cannot reach the broker, twice since the case was saved
    # (the first failure seen may be of an attempt begun before): the sweep was due, and nothing reminded anyone.
    failed = beat_could_not_reach_the_broker(tmp_path)
    assert wait_until(lambda: beat_could_not_reach_the_broker(tmp_path) >= failed + 2, 60), log_tail(tmp_path)
    assert not Reminder.objects.exists()
    redis.start()
    delivered = lambda: Delivery.objects.filter(status=Delivery.Status.SENT, channel=Delivery.Channel.EMAIL).count() == 2  # noqa: E731
    assert wait_until(delivered, 60), log_tail(tmp_path)
    assert Reminder.objects.count() == 2


def test_a_delivery_whose_worker_is_killed_mid_send_is_delivered_after_restart(faults, running, unit_a, tmp_path):
    redis, processes = faults
    release = threading.Event()
    robot = Robot([])
    original = robot.server.RequestHandlerClass.do_POST

    def hold_the_first(handler):
        if len(robot.received) == 0:
            robot.received.append("held")
            release.wait(30)  # the worker is killed while waiting for this answer
            return
        original(handler)

    robot.server.RequestHandlerClass.do_POST = hold_the_first
    try:
        UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.WECOM, url=robot.url)
        for user in (running.leader, *running.handlers.all()):
            user.email = ""  # only the robot message
            user.save()
        Case.objects.filter(pk=running.pk).update(resolve_due=timezone.localdate() + datetime.timedelta(days=1))
        processes.start("worker", *worker_args("w1"))
        processes.start("beat", "beat", "--loglevel", "INFO")
        assert wait_until(lambda: robot.received, 60), log_tail(tmp_path)
        delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
        assert delivery.status == Delivery.Status.SENDING
        processes.kill("worker")
        release.set()
        processes.start("worker", *worker_args("w2"))
        sent = lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT  # noqa: E731
        assert wait_until(sent, 60), log_tail(tmp_path)
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and Delivery.objects.filter(status=Delivery.Status.SENT).count() == 1
        assert len(robot.received) == 2  # the killed attempt, then the one that got through
    finally:
        release.set()
        robot.stop()


def test_a_robot_failing_twice_is_delivered_on_the_third_try_by_the_real_worker(faults, running, unit_a, tmp_path):
    redis, processes = faults
    robot = Robot([500, 500])
    try:
        UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.DINGTALK, url=robot.url)
        Case.objects.filter(pk=running.pk).update(resolve_due=timezone.localdate() + datetime.timedelta(days=7))
        processes.start("worker", *worker_args("w1"))
        processes.start("beat", "beat", "--loglevel", "INFO")
        sent = lambda: Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK, status=Delivery.Status.SENT).exists()  # noqa: E731
        assert wait_until(sent, 60), log_tail(tmp_path)
        delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
        assert (delivery.attempts, delivery.last_error) == (3, "") and len(robot.received) == 3
        assert Delivery.objects.filter(channel=Delivery.Channel.EMAIL, status=Delivery.Status.SENT).count() == 2
    finally:
        robot.stop()


@pytest.fixture
def running(assigned, handler, leader):
    handler.email, leader.email = "handler@example.gov.cn", "leader@example.gov.cn"
    handler.save(), leader.save()
    services.case_start(actor=handler, case_id=assigned.pk)
    return assigned
