"""Real Celery processes for tests: a worker (and optionally beat) on the test Redis and the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from outreach.celery import app

ROOT = Path(__file__).resolve().parent.parent


def worker_database_url() -> str:
    s = connection.settings_dict  # during tests NAME is the test database
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_until(condition, seconds=30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def celery_processes(logs: Path, *, beat: bool = False, extra_env: dict | None = None):
    """Start a worker (and beat) as subprocesses; yields the log folder; stops only what it started."""
    assert app.conf.broker_url.startswith("redis://"), "tests need the real Redis broker"
    app.control.purge()
    env = {**os.environ, "DATABASE_URL": worker_database_url(), **(extra_env or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    commands = {"worker": ["worker", "--pool", "solo", "--loglevel", "INFO", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"]}
    if beat:
        commands["beat"] = ["beat", "--loglevel", "INFO"]  # the schedule lives in the test database (django-celery-beat)
    processes = []
    try:
        for name, args in commands.items():
            with open(logs / f"{name}.log", "w") as log:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "outreach", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                ))
        yield logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        app.control.purge()


def log_tail(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))
