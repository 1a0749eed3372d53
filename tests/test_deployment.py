"""The production configuration as documented: deploy checks clean, deployment files valid, queues routed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from outreach.celery import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = ROOT / "deploy" / "production.env.example"


def run(*args, env=None):
    # Only the documented file speaks: none of the test run's own settings leak in.
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(args, cwd=ROOT, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_shipped_production_env_example():
    result = run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env={"ENV_FILE": str(EXAMPLE_ENV)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_when_cookies_may_travel_over_plain_http():
    result = run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
                 env={"ENV_FILE": str(EXAMPLE_ENV), "SECURE_COOKIES": "false"})
    assert result.returncode != 0 and "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_compose_file_nginx_site_and_systemd_units_are_valid():
    result = run("bash", "deploy/check-config.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    for what in ("docker-compose.yml is valid", "nginx/ is valid", "systemd/ is valid"):
        assert what in result.stdout


def test_gunicorn_loads_its_configuration_and_the_app():
    result = run(str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--check-config", "outreach.wsgi",
                 env={"ENV_FILE": str(EXAMPLE_ENV)})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("task, queue", [
    ("grievances.tasks.sweep_deadlines", "reminders"),
    ("grievances.tasks.dispatch_deliveries", "reminders"),
    ("grievances.tasks.send_daily_digests", "reminders"),
    ("campaigns.tasks.run_roster_import", "imports"),
    ("campaigns.tasks.requeue_stale_imports", "imports"),
    ("campaigns.tasks.refresh_dashboard_rollups", "rollups"),
    ("accounts.tasks.prune_audit_trail", "default"),
    ("accounts.tasks.clear_expired_sessions", "default"),
    ("outreach.tasks.heartbeat", "default"),
])
def test_each_task_goes_to_its_own_queue_so_an_import_never_delays_a_reminder(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue
