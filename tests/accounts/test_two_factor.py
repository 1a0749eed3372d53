"""Two-factor login for administrators and supervisors: set up once, a code at every login."""

import uuid

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """The wrong-code counter lives in the shared Redis cache: a key prefix of its own per test."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"otp-test-{uuid.uuid4()}"}}


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD})


def test_a_supervisor_sets_up_the_app_then_gets_in(client, supervisor):
    log_in(client, supervisor)
    first = client.get(reverse("campaigns:dashboard"))
    assert first.url.startswith(reverse("accounts:otp-verify"))
    setup = client.get(first.url, follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("accounts:otp-setup"))
    assert "<svg" in setup.content.decode() and setup.context["key"]
    device = TOTPDevice.objects.get(user=supervisor)
    wrong = client.post(reverse("accounts:otp-setup"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "动态码错误或已过期" in wrong.content.decode()
    too_soon = client.post(reverse("accounts:otp-setup"), {"code": code_for(device)})
    assert "请稍等几秒" in too_soon.content.decode()  # django-otp's wait after a wrong code
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # the wait is over
    done = client.post(reverse("accounts:otp-setup"), {"code": code_for(device), "next": reverse("campaigns:dashboard")})
    assert done.url == reverse("campaigns:dashboard")
    assert client.get(reverse("campaigns:dashboard")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_at_the_next_login_the_code_is_asked_and_checked(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    log_in(client, supervisor)
    assert client.get("/").url.startswith(reverse("accounts:otp-verify"))
    client.post(reverse("accounts:otp-verify"), {"code": "12345"})  # not six digits
    assert AuditEntry.objects.filter(action="login_failed", actor=supervisor).count() == 0  # a malformed code is a form error
    assert client.get("/").status_code == 302
    ok = client.post(reverse("accounts:otp-verify"), {"code": code_for(device)})
    assert ok.status_code == 302 and client.get("/").status_code == 200


def test_wrong_codes_are_recorded_and_limited(client, supervisor, settings):
    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    log_in(client, supervisor)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # past django-otp's short wait
        client.post(reverse("accounts:otp-verify"), {"code": wrong})
    assert AuditEntry.objects.filter(action="login_failed", actor=supervisor).count() == 5
    refused = client.post(reverse("accounts:otp-verify"), {"code": code_for(device)})
    assert refused.status_code == 200 and "15 分钟" in refused.content.decode()


def test_cadres_and_handlers_need_no_second_factor(client, cadre):
    log_in(client, cadre)
    assert client.get("/").status_code == 200
