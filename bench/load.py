"""Load test (issue 5): cadres, handlers and supervisors of the demo county against gunicorn on loopback.

    .venv/bin/python bench/load.py                     # 50, then 200 users; 60 s measured each
    LOAD_USERS=50 LOAD_SECONDS=120 .venv/bin/python bench/load.py

Builds a fresh database `outreach_load` (migrate, seed_demo), collects the static files, starts gunicorn
with deploy/gunicorn.conf.py on a free loopback port in production settings (DEBUG off, PostgreSQL, Redis
db 3; plain HTTP, so SECURE_SSL_REDIRECT and SECURE_COOKIES off; no second factor) and runs the users of
bench/locustfile.py in this process. For each user count: spawn them (LOAD_SPAWN_RATE a second), wait
until all have logged in, LOAD_WARMUP_SECONDS more, then reset the figures and measure LOAD_SECONDS.
Prints requests/s and, for each page, requests, p50, p95 and errors, then the server's 4xx/5xx and error
log lines (var/load/gunicorn.log). No Celery worker runs: recording a visit enqueues nothing (what is
queued is printed at the end, then purged).
Target: no errors, and visit submission ("POST visit") under 300 ms p95 at 50 users.
"""

# locust first: importing it patches the standard library for gevent.
import locustfile  # noqa: I001 (bench/locustfile.py, which imports locust)
import gevent
from locust.env import Environment

import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "outreach_load"
POSTGRES = os.environ.get("LOAD_POSTGRES", "postgres://postgres:postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/3")
USERS = [int(n) for n in os.environ.get("LOAD_USERS", "50,200").split(",")]
SECONDS = int(os.environ.get("LOAD_SECONDS", 60))
WARMUP_SECONDS = int(os.environ.get("LOAD_WARMUP_SECONDS", 10))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", 5))
LOG = ROOT / "var" / "load" / "gunicorn.log"
VISIT_TARGET_MS = 300

SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "load-test-only-secret-key-not-for-production",
    "PII_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=",
    "PII_HASH_KEY": "load-test-only-hash-key",
    "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
    "REDIS_URL": REDIS_URL,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "TWO_FACTOR_REQUIRED": "false",
}
ENV = {**os.environ, **SERVER_ENV}
USER_CLASSES = [locustfile.Cadre, locustfile.Handler, locustfile.Supervisor]


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


def prepare() -> None:
    """A fresh database with the demo county, static files, and an empty Redis db."""
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    manage("migrate", "--no-input", "-v0")
    manage("seed_demo", "--allow-production")
    # Seeded accounts keep their password, but a forced change would send every user to the password page.
    manage("shell", "-c", "from accounts.models import User; User.objects.update(must_change_password=False)")
    manage("collectstatic", "--no-input", "-v0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "outreach.wsgi"],
        cwd=ROOT, env={**ENV, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=LOG.open("w"), stderr=subprocess.STDOUT,
    )
    for _attempt in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn did not start; see {LOG}")


def worker_count() -> int:
    """What deploy/gunicorn.conf.py asks for here (GUNICORN_WORKERS, else 2 × cores + 1)."""
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["workers"]


def run(users: int, host: str) -> dict:
    """Spawn the users, wait for their logins and the warm-up, then measure; returns the figures."""
    environment = Environment(user_classes=USER_CLASSES, host=host)
    runner = environment.create_local_runner()
    locustfile.logged_in = 0
    started = time.time()
    runner.start(users, spawn_rate=SPAWN_RATE)
    while locustfile.logged_in < users and time.time() - started < 600:
        gevent.sleep(0.5)
    ramp_seconds = time.time() - started
    login = environment.stats.get("POST login", "POST")
    login = {"requests": login.num_requests, "p50": login.get_response_time_percentile(0.5),
             "p95": login.get_response_time_percentile(0.95), "errors": login.num_failures}
    gevent.sleep(WARMUP_SECONDS)
    environment.stats.reset_all()
    measured_from = time.time()
    gevent.sleep(SECONDS)
    seconds = time.time() - measured_from
    pages = {
        entry.name: {"requests": entry.num_requests, "p50": entry.get_response_time_percentile(0.5),
                     "p95": entry.get_response_time_percentile(0.95), "errors": entry.num_failures}
        for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name) if entry.num_requests
    }
    errors = [(e.name, e.error, e.occurrences) for e in environment.stats.errors.values()]
    total = environment.stats.total
    mix = dict(runner.user_classes_count)
    runner.quit()
    return {"users": users, "mix": mix, "ramp_seconds": ramp_seconds, "login": login, "pages": pages, "errors": errors,
            "requests": total.num_requests, "failures": total.num_failures, "rps": total.num_requests / seconds,
            "seconds": seconds}


def report(results: list[dict]) -> None:
    print(f"\n{'users':>5}  {'page':<20} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}")
    for result in results:
        for name, page in result["pages"].items():
            print(f"{result['users']:>5}  {name:<20} {page['requests']:>8} {page['requests'] / result['seconds']:>7.1f} "
                  f"{page['p50']:>7} {page['p95']:>7} {page['errors']:>6}")
        print(f"{result['users']:>5}  {'all pages':<20} {result['requests']:>8} {result['rps']:>7.1f} {'':>7} {'':>7} {result['failures']:>6}")
        login = result["login"]
        print(f"{result['users']:>5}  {'(login, ramp-up)':<20} {login['requests']:>8} {'':>7} {login['p50']:>7} {login['p95']:>7} "
              f"{login['errors']:>6}   all logged in after {result['ramp_seconds']:.0f} s; "
              + " ".join(f"{name} {count}" for name, count in result["mix"].items()))
        print()
    for result in results:
        for name, error, occurrences in result["errors"]:
            print(f"{result['users']} users, {name}: {occurrences}× {error}")
    at_50 = next((r for r in results if r["users"] == 50), None)
    if at_50 and "POST visit" in at_50["pages"]:
        p95 = at_50["pages"]["POST visit"]["p95"]
        errors = sum(r["failures"] for r in results)
        verdict = "met" if p95 < VISIT_TARGET_MS and not errors else "MISSED"
        print(f"target (0 errors; POST visit p95 under {VISIT_TARGET_MS} ms at 50 users): {verdict} — p95 {p95} ms, {errors} errors")


def server_errors() -> None:
    """The server's 4xx/5xx answers, error lines and slow queries (the app's JSON request lines and gunicorn's own)."""
    text = LOG.read_text()
    errors = [line for line in text.splitlines()
              if re.search(r'"status": [45]\d\d|"level": "(ERROR|CRITICAL)"|\[(ERROR|CRITICAL)\]|Traceback|WORKER TIMEOUT', line)]
    print(f"\ngunicorn log ({LOG.relative_to(ROOT)}): {len(errors)} error lines (4xx/5xx answers, errors, tracebacks), "
          f"{text.count('slow query')} slow queries")
    for line in errors[:20]:
        print(f"  {line[:300]}")


def main() -> None:
    started = time.time()
    print("Preparing outreach_load: migrate, seed_demo, collectstatic …", flush=True)
    prepare()
    port = free_port()
    server = start_gunicorn(port)
    try:
        with psycopg.connect(f"{POSTGRES}/{DATABASE}") as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        print(f"{os.cpu_count()} cores; gunicorn {worker_count()} sync workers on 127.0.0.1:{port}; PostgreSQL {version}; "
              f"locust in this process on the same machine")
        print(f"users: cadres, handlers, supervisors weighted 7:2:1; think time between({locustfile.THINK_TIME[0]}, "
              f"{locustfile.THINK_TIME[1]}) s per task; spawned {SPAWN_RATE:g}/s, measured {SECONDS} s after all logged in "
              f"and {WARMUP_SECONDS} s more; times in ms", flush=True)
        results = []
        for users in USERS:
            # Anything else busy on the machine (a test suite) shows here and skews the figures.
            print(f"running {users} users (load average before: {os.getloadavg()[0]:.1f}) …", flush=True)
            results.append(run(users, f"http://127.0.0.1:{port}"))
        report(results)
    finally:
        server.terminate()
        server.wait(timeout=60)
    server_errors()
    broker = redis.Redis.from_url(REDIS_URL)
    queued = {key.decode(): broker.llen(key) for key in broker.scan_iter() if broker.type(key) == b"list"}
    print(f"Celery messages queued by the run (no worker ran; purged): {queued or 'none'}")
    broker.flushdb()
    print(f"total {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
