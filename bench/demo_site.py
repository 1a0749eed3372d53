"""For the benchmarks that drive a real server (bench/load.py, bench/field.py): a fresh database with the demo
county, the static files, and a free port on loopback."""

import socket
import subprocess
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def fresh_demo(env: dict, *, postgres: str, database: str, redis_url: str, seed_args: tuple[str, ...] = ()) -> None:
    """Drop and create `database`, empty the Redis db, migrate, seed the demo (its accounts without the forced
    first password change, which would send every user to the password page) and collect the static files."""
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {database}")
    redis.Redis.from_url(redis_url).flushdb()
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed_demo", "--allow-production", *seed_args)
    manage(env, "shell", "-c", "from accounts.models import User; User.objects.update(must_change_password=False)")
    manage(env, "collectstatic", "--no-input", "-v0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
