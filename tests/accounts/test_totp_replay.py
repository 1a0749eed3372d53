"""A code from the authenticator app is good once: the one typed at set-up cannot log in another session."""

import base64
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"totp-replay-{uuid.uuid4()}"}}


def log_in(client, user):
    assert client.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}).status_code == 302


def set_up(client, user) -> str:
    """Set the app up in this session; the code that was typed."""
    log_in(client, user)
    key = client.get(reverse("accounts:otp-setup")).context["key"]
    code = f"{TOTP(base64.b32decode(key)).token():06d}"
    assert client.post(reverse("accounts:otp-setup"), {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    return code


def test_the_code_typed_at_set_up_cannot_log_in_another_session(client, supervisor):
    code = set_up(client, supervisor)
    intruder = Client()
    log_in(intruder, supervisor)  # someone else who has the password
    replay = intruder.post(reverse("accounts:otp-verify"), {"code": code})
    assert replay.status_code == 200 and "动态码错误或已过期" in replay.content.decode()
    assert intruder.get("/").status_code == 302  # still asked for a code
    assert AuditEntry.objects.filter(action="login_failed", actor=supervisor, summary="动态码错误").count() == 1


def test_the_device_remembers_the_time_step_of_the_set_up_code(client, supervisor):
    set_up(client, supervisor)
    device = TOTPDevice.objects.get(user=supervisor)
    assert device.last_t == TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()


def test_a_code_used_at_login_cannot_be_used_again(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    log_in(client, supervisor)
    assert client.post(reverse("accounts:otp-verify"), {"code": code}).status_code == 302
    other = Client()
    log_in(other, supervisor)
    assert other.post(reverse("accounts:otp-verify"), {"code": code}).status_code == 200
    assert other.get("/").status_code == 302


def test_a_wrong_code_at_set_up_saves_no_device(client, supervisor):
    log_in(client, supervisor)
    key = client.get(reverse("accounts:otp-setup")).context["key"]
    right = f"{TOTP(base64.b32decode(key)).token():06d}"
    wrong = "000000" if right != "000000" else "111111"
    assert client.post(reverse("accounts:otp-setup"), {"code": wrong}).status_code == 200
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert client.post(reverse("accounts:otp-setup"), {"code": right}).status_code == 302
