"""Start-up configuration, exercised the way an operator meets it: by running manage.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kP2!vQ9@mZ4$wL8^rT1&nB6*yH3(eJ5)uF0-cD_aS+gV=iO|pX]qW[zE{tR}",
    "ALLOWED_HOSTS": "xiaxiang.example.gov.cn",
    "DATABASE_URL": "postgres://outreach:secret@127.0.0.1:5432/outreach",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@127.0.0.1:587",
    "PII_ENCRYPTION_KEYS": "q3XbJm0k3bKqv8c1Yp2o6sT9rWgq3eQH6Yt1mN0cZ0k=",
    "PII_HASH_KEY": "f3a9c1d7e5b24a6c8e0f1a2b3c4d5e6f",
}


def manage(*args, env):
    inherited = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE",
                 "PII_ENCRYPTION_KEYS", "PII_HASH_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_production_without_secret_key_stops_with_one_clear_line():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]


def test_production_without_pii_keys_stops_with_one_clear_line():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "PII_ENCRYPTION_KEYS"}
    result = manage("check", env=env)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "PII_ENCRYPTION_KEYS" in result.stderr


def test_an_unreachable_database_is_one_clear_line():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere"}
    result = manage("migrate", "--check", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Database unreachable (check DATABASE_URL)")


def test_a_malformed_database_url_is_one_clear_line():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": "nosuchdb://x"})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_zero_setup_demo_needs_no_configuration(tmp_path):
    # No DATABASE_URL, no broker: SQLite and the embedded broker. DEBUG is what `make run` sets.
    result = manage("check", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_a_fresh_checkout_with_nothing_configured_checks_and_has_its_migrations(tmp_path):
    # What a new engineer types first: no environment at all is the demo (DEBUG on, SQLite).
    for command in (["check"], ["makemigrations", "--check", "--dry-run"]):
        result = manage(*command, env={})
        assert result.returncode == 0, result.stderr + result.stdout


def test_a_database_url_without_secret_key_still_stops_even_without_debug_set():
    result = manage("check", env={"DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]})
    assert result.returncode == 1 and "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_migrations_are_committed_for_every_model_change():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_ui_defaults_to_simplified_chinese_and_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, cadre):
    client.force_login(cadre)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_rotating_the_pii_key_keeps_every_id_number_readable_under_the_new_key_alone(settings, regions):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from campaigns.models import Household
    from tests.factories import HouseholdFactory

    old, new = settings.PII_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    household = HouseholdFactory.build(village=regions["village_a"])
    household.set_id_number("11010519491231002X")
    household.save()
    settings.PII_ENCRYPTION_KEYS = [new, old]  # step 1: the new key first, the old one still there
    call_command("rotate_pii_key", stdout=__import__("io").StringIO())
    settings.PII_ENCRYPTION_KEYS = [new]  # step 3: the old key gone
    assert Household.objects.get(pk=household.pk).id_number == "11010519491231002X"


def test_a_nul_character_in_any_value_is_a_bad_request(client, cadre):
    client.force_login(cadre)
    assert client.get("/cases/?q=%00").status_code == 400
    assert client.post("/work/check-in/", {"latitude": "1\x002"}).status_code == 400
