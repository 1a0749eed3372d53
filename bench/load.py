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

Beside the figures, so that a noisy run is visible and the bottleneck named (bench/machine.py): the load average and the CPU
steal (/proc/stat) before and after each run; during the measured window, once a second, the connections
waiting in gunicorn's accept queue (/proc/net/tcp), PostgreSQL's connections to the database
(pg_stat_activity) and the CPU of gunicorn, of this database's PostgreSQL backends, of locust and of
everything else; and from the request log, the workers' busy share and the server time inside Django.

    LOAD_DATABASE=outreach_load      the database it drops and rebuilds (never one the tests or others use)
    LOAD_REDIS_URL=redis://…/3       the Redis db it flushes
    LOAD_HOUSEHOLDS_PER_VILLAGE=600  seed_demo --households-per-village: ~600 like a real county; 50 is the demo
    LOAD_USERS=50,200 LOAD_SECONDS=60 LOAD_WARMUP_SECONDS=10 LOAD_SPAWN_RATE=5
    GUNICORN_WORKERS, CONN_MAX_AGE   passed on to the server (deploy/gunicorn.conf.py, settings.py)
"""

# locust first: importing it patches the standard library for gevent.
import locustfile  # noqa: I001 (bench/locustfile.py, which imports locust)
import gevent
from locust.env import Environment

import json
import os
import re
import runpy
import subprocess
import sys
import time
import urllib.request

import psycopg
import redis
from machine import Watch, cpu_counters, cpu_split, load_average  # bench/machine.py
from demo_site import ROOT, free_port, fresh_demo  # bench/demo_site.py

DATABASE = os.environ.get("LOAD_DATABASE", "outreach_load")
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE):
    sys.exit(f"LOAD_DATABASE must be a plain lower-case name, not {DATABASE!r}")
HOUSEHOLDS_PER_VILLAGE = int(os.environ.get("LOAD_HOUSEHOLDS_PER_VILLAGE", 600))
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


def request_log(offset_from: int, offset_to: int) -> list[dict]:
    """The app's request lines (JSON) that gunicorn's workers wrote between two offsets of the log."""
    with LOG.open("rb") as log:
        log.seek(offset_from)
        text = log.read(offset_to - offset_from).decode(errors="replace")
    lines = []
    for line in text.splitlines():
        if '"duration_ms"' in line and '"path"' in line:
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def prepare() -> None:
    """A fresh database with the demo county, static files, and an empty Redis db."""
    fresh_demo(ENV, postgres=POSTGRES, database=DATABASE, redis_url=REDIS_URL, seed_args=("--households-per-village", str(HOUSEHOLDS_PER_VILLAGE)))


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


def run(users: int, host: str, server: subprocess.Popen, port: int, workers: int) -> dict:
    """Spawn the users, wait for their logins and the warm-up, then measure; returns the figures."""
    # The machine before: anything else busy (a test suite, another benchmark) shows here and skews the figures.
    load_before, counters = load_average(), cpu_counters()
    time.sleep(5)  # nothing of ours runs yet: what the machine does without us
    idle = cpu_split(counters, cpu_counters())
    print(f"running {users} users; before: load average {load_before}, CPU {idle['busy']:.0f}% busy and "
          f"{idle['steal']:.1f}% steal over 5 s without us …", flush=True)
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
    watch = Watch(server.pid, port, POSTGRES, DATABASE)
    log_from = LOG.stat().st_size
    measured_from = time.time()
    watch.start()
    gevent.sleep(SECONDS)
    machine = watch.stop()
    seconds = time.time() - measured_from
    lines = request_log(log_from, LOG.stat().st_size)
    server_time: dict[str, list[float]] = {}
    for line in lines:
        server_time.setdefault(f"{line.get('method')} {re.sub(r'[0-9]+', 'N', str(line.get('path')))}", []).append(float(line["duration_ms"]))
    machine["busy_share"] = 100 * sum(sum(times) for times in server_time.values()) / 1000 / (workers * seconds)
    machine["server_time"] = {name: (len(times), percentile(times, 0.5), percentile(times, 0.95))
                              for name, times in sorted(server_time.items(), key=lambda item: -len(item[1]))}
    pages = {
        entry.name: {"requests": entry.num_requests, "p50": entry.get_response_time_percentile(0.5),
                     "p95": entry.get_response_time_percentile(0.95), "errors": entry.num_failures}
        for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name) if entry.num_requests
    }
    errors = [(e.name, e.error, e.occurrences) for e in environment.stats.errors.values()]
    total = environment.stats.total
    mix = dict(runner.user_classes_count)
    runner.quit()
    machine.update(load_before=load_before, load_after=load_average(), idle_before=idle)
    return {"users": users, "mix": mix, "ramp_seconds": ramp_seconds, "login": login, "pages": pages, "errors": errors,
            "requests": total.num_requests, "failures": total.num_failures, "rps": total.num_requests / seconds,
            "seconds": seconds, "machine": machine}


def report_machine(result: dict, workers: int) -> None:
    """What the machine did while the figures were measured: is the run noisy, and where do requests wait?"""
    m = result["machine"]
    users = result["users"]
    print(f"{users} users, the machine: load average {m['load_before']} before, {m['load_after']} after; "
          f"CPU steal {m['idle_before']['steal']:.1f}% before (5 s without us), {m['cpu']['steal']:.1f}% while measured")
    print(f"  CPU while measured (% of all cores): {m['cpu']['busy']:.0f}% busy — "
          + ", ".join(f"{name} {share:.0f}%" for name, share in m["used"].items())
          + f"; runnable processes mean {m['runnable'][0]:.1f}, max {m['runnable'][1]} on {os.cpu_count()} cores")
    print(f"  gunicorn: {workers} workers {m['busy_share']:.0f}% busy (time inside Django / worker time); "
          f"accept queue (waiting for a free worker) mean {m['queue'][0]:.1f}, max {m['queue'][1]}")
    print(f"  PostgreSQL: connections to the database mean {m['connections'][0]:.1f}, max {m['connections'][1]} "
          f"(max_connections {m['max_connections']}); running a query mean {m['active'][0]:.1f}, max {m['active'][1]}")
    print(f"  server time inside Django (request log), ms: {'requests':>8} {'p50':>6} {'p95':>6}")
    for name, (count, p50, p95) in list(m["server_time"].items())[:16]:
        print(f"    {name:<40} {count:>8} {p50:>6.0f} {p95:>6.0f}")


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
    print(f"Preparing {DATABASE}: migrate, seed_demo --households-per-village {HOUSEHOLDS_PER_VILLAGE}, collectstatic …", flush=True)
    prepare()
    port = free_port()
    server = start_gunicorn(port)
    try:
        with psycopg.connect(f"{POSTGRES}/{DATABASE}") as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        workers = worker_count()
        print(f"{os.cpu_count()} cores; gunicorn {workers} sync workers on 127.0.0.1:{port}; PostgreSQL {version}; "
              f"CONN_MAX_AGE {ENV.get('CONN_MAX_AGE', '60 (default)')}; locust in this process on the same machine; "
              f"{HOUSEHOLDS_PER_VILLAGE} households a village")
        print(f"users: cadres, handlers, supervisors weighted 7:2:1; think time between({locustfile.THINK_TIME[0]}, "
              f"{locustfile.THINK_TIME[1]}) s per task; spawned {SPAWN_RATE:g}/s, measured {SECONDS} s after all logged in "
              f"and {WARMUP_SECONDS} s more; times in ms", flush=True)
        results = []
        for users in USERS:
            results.append(run(users, f"http://127.0.0.1:{port}", server, port, workers))
        report(results)
        for result in results:
            report_machine(result, workers)
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
