"""Real processes for tests: Celery workers and beat, gunicorn servers, on the test database and Redis."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from outreach.celery import app

ROOT = Path(__file__).resolve().parent.parent


def worker_database_url() -> str:
    s = connection.settings_dict  # during tests NAME is the test database
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, seconds=30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def session_name(kind: str) -> str:
    """A PostgreSQL application_name for the processes one test starts (given them as PGAPPNAME), so that the test
    can tell when every database session they opened has ended."""
    return f"outreach-test-{kind}-{uuid.uuid4().hex[:8]}"


def database_sessions(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
        return cursor.fetchone()[0]


def stop(*processes: subprocess.Popen, sessions: str | None = None, seconds: float = 60.0) -> None:
    """SIGTERM, then wait until each process has exited (SIGKILL for one still running after `seconds`). With
    `sessions` (their PGAPPNAME), also wait until their database sessions have ended: a test's tables are
    emptied afterwards, and no statement of theirs may still be running then."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=seconds)
    if sessions is not None:
        assert wait_until(lambda: database_sessions(sessions) == 0, seconds), f"sessions of {sessions} still open"


@contextmanager
def celery_processes(logs: Path, *, beat: bool = False, extra_env: dict | None = None):
    """Start a worker (and beat) as subprocesses; yields the log folder; stops only what it started."""
    assert app.conf.broker_url.startswith("redis://"), "tests need the real Redis broker"
    app.control.purge()
    sessions = session_name("celery")
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "PGAPPNAME": sessions, **(extra_env or {})}
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
        stop(*processes, sessions=sessions)
        app.control.purge()


def log_tail(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))


# The cluster's own Redis database: the test session's worker must not take the cluster's tasks.
CLUSTER_REDIS_URL = settings.REDIS_URL.rsplit("/", 1)[0] + "/12"


def idle(client) -> bool:
    """Nothing waiting in any queue, and nothing running or prefetched on either worker."""
    queues = redis.Redis.from_url(CLUSTER_REDIS_URL)
    if any(queues.llen(name) for name in settings.QUEUE_NAMES):
        return False
    inspect = client.control.inspect(timeout=1)
    answers = [inspect.active() or {}, inspect.reserved() or {}]
    return all(len(answer) == 2 and not any(answer.values()) for answer in answers)


class Servers:
    """gunicorn, Celery workers and others as subprocesses on the test database (as `database_url`'s role) and the test Redis; all stopped at the end."""

    def __init__(self, folder, database_url, mail_url):
        self.folder, self.running, self.mail_url = folder, [], mail_url
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": CLUSTER_REDIS_URL, "ALLOWED_HOSTS": "127.0.0.1",
                    "SECURE_COOKIES": "false", "TWO_FACTOR_REQUIRED": "false", "SLOW_QUERY_MS": "0"}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def start(self, name, *command, **env):
        log = open(self.folder / f"{name}.log", "w")
        self.running.append(subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT))

    def web(self, name, **env) -> str:
        port = free_port()
        self.start(name, str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "outreach.wsgi",
                   GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", **env)
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: answers(base + "/healthz"), 30), log_tail(self.folder)
        return base

    def worker(self, name, queues):
        self.start(name, sys.executable, "-m", "celery", "-A", "outreach", "worker", "-Q", queues, "--concurrency", "2",
                   "--loglevel", "INFO", "-n", f"{name}-{os.getpid()}@%h", EMAIL_URL=self.mail_url)

    def stop(self):
        stop(*self.running)


def answers(url) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 - loopback test server
            return response.status == 200
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of the test's own on a spare port, which the test may stop and start again (faults)."""

    def __init__(self, folder: Path):
        self.port, self.folder = free_port(), folder

    def start(self):
        subprocess.run([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--daemonize", "yes", "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")], check=True)
        assert wait_until(self.answers, 10)

    def answers(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG"

    def stop(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        assert wait_until(lambda: not self.answers(), 10)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"
