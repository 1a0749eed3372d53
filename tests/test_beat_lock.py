"""Exactly one beat sends: a second one stands by on the PostgreSQL advisory lock and takes over
when the first one stops (outreach/beat.py)."""

import os
import subprocess
import sys

import pytest

from .celery_processes import ROOT, wait_until, worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)


def start_beat(folder, name):
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "HEARTBEAT_SECONDS": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = folder / f"{name}.log"
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "outreach", "beat", "--loglevel", "INFO",
                                "--schedule", str(folder / f"{name}.db"), "--pidfile="],
                               cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, log


def sends(log) -> int:
    return log.read_text().count("Scheduler: Sending due task")


def test_a_second_beat_stands_by_until_the_first_stops(tmp_path):
    first, first_log = start_beat(tmp_path, "first")
    second = None
    try:
        assert wait_until(lambda: sends(first_log) > 0, 30), first_log.read_text()
        second, second_log = start_beat(tmp_path, "second")
        assert wait_until(lambda: "standing by" in second_log.read_text(), 30), second_log.read_text()
        sent_before = sends(first_log)
        assert wait_until(lambda: sends(first_log) > sent_before + 3, 30)
        assert sends(second_log) == 0  # while the first one runs, the second sends nothing

        first.terminate()
        first.wait(timeout=20)
        assert wait_until(lambda: "Holding the beat lock" in second_log.read_text(), 30), second_log.read_text()
        assert wait_until(lambda: sends(second_log) > 0, 30), second_log.read_text()
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
