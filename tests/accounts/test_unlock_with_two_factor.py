"""A member of staff locked out by django-axes (their account, or their office's address) logs in anyway
with their password and a code of their authenticator app; the lock stays for everyone else."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

LOGIN = reverse("accounts:login")
UNLOCK = reverse("accounts:unlock")
OFFICE = "10.20.0.1"


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"unlock-{uuid.uuid4()}"}}


@pytest.fixture
def device(supervisor):
    return TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)


def code_for(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def wrong_code(device) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def lock_the_office(client):
    for n in range(5):
        client.post(LOGIN, {"username": f"nobody{n}", "password": "Wrong-password-1"}, REMOTE_ADDR=OFFICE)


def unlock(client, user, code, password=TEST_PASSWORD):
    return client.post(UNLOCK, {"username": user.username, "password": password, "code": code}, REMOTE_ADDR=OFFICE)


def test_the_locked_out_page_leads_to_the_unlock_page(client, supervisor):
    lock_the_office(client)
    locked = client.post(LOGIN, {"username": supervisor.username, "password": TEST_PASSWORD}, REMOTE_ADDR=OFFICE)
    assert locked.status_code == 429 and UNLOCK in locked.content.decode()
    assert client.get(UNLOCK).status_code == 200


def test_staff_behind_a_locked_office_address_get_in_with_their_authenticator(client, supervisor, device, handler):
    lock_the_office(Client())
    assert client.post(LOGIN, {"username": supervisor.username, "password": TEST_PASSWORD}, REMOTE_ADDR=OFFICE).status_code == 429
    done = unlock(client, supervisor, code_for(device))
    assert done.status_code == 302
    assert client.get("/", REMOTE_ADDR=OFFICE).status_code == 200  # logged in, second factor proven
    assert AuditEntry.objects.filter(action="two_factor", actor=supervisor, summary="已用动态码在登录锁定期间登录").exists()
    # The address stays locked for everyone else.
    assert Client().post(LOGIN, {"username": handler.username, "password": TEST_PASSWORD}, REMOTE_ADDR=OFFICE).status_code == 429


def test_a_locked_account_gets_in_and_its_own_failures_are_forgotten(client, supervisor, device):
    for _ in range(5):
        client.post(LOGIN, {"username": supervisor.username, "password": "Wrong-password-1"}, REMOTE_ADDR="10.20.0.2")
    assert AccessAttempt.objects.filter(username=supervisor.username).exists()
    assert unlock(client, supervisor, code_for(device)).status_code == 302
    assert not AccessAttempt.objects.filter(username=supervisor.username).exists()


def test_the_code_used_to_unlock_cannot_be_used_again(client, supervisor, device):
    code = code_for(device)
    assert unlock(client, supervisor, code).status_code == 302
    replay = unlock(Client(), supervisor, code)
    assert replay.status_code == 200 and "用户名、密码或动态码不正确" in replay.content.decode()


def test_a_wrong_password_with_a_right_code_does_not_get_in_nor_spend_the_code(client, supervisor, device):
    code = code_for(device)
    refused = unlock(client, supervisor, code, password="Wrong-password-1")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed", actor=supervisor, summary="用动态码解除锁定失败").count() == 1
    assert unlock(client, supervisor, code).status_code == 302


def test_wrong_tries_are_limited_per_account(client, supervisor, device):
    for _attempt in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # past django-otp's short wait
        assert unlock(Client(), supervisor, wrong_code(device)).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    refused = unlock(client, supervisor, code_for(device))
    assert refused.status_code == 429 and "15 分钟" in refused.content.decode() and "_auth_user_id" not in client.session


def test_an_account_without_an_authenticator_cannot_unlock(client, cadre):
    refused = client.post(UNLOCK, {"username": cadre.username, "password": TEST_PASSWORD, "code": "123456"}, REMOTE_ADDR=OFFICE)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
