"""Two-factor login for administrators and supervisors: set up once, a code at every login."""

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
    """The wrong-code counter lives in the shared Redis cache: a key prefix of its own per test."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"otp-test-{uuid.uuid4()}"}}


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def code_from_key(key: str) -> str:
    """The code an authenticator app shows for the base32 key of the setup page."""
    return f"{TOTP(base64.b32decode(key)).token():06d}"


def log_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD})


def test_a_supervisor_sets_up_the_app_then_gets_in(client, supervisor):
    log_in(client, supervisor)
    first = client.get(reverse("dashboards:campaigns"))
    assert first.url.startswith(reverse("accounts:otp-verify"))
    setup = client.get(first.url, follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("accounts:otp-setup"))
    key = setup.context["key"]
    assert "<svg" in setup.content.decode() and not TOTPDevice.objects.filter(user=supervisor).exists()  # nothing saved yet
    wrong = "000000" if code_from_key(key) != "000000" else "111111"
    assert "动态码错误或已过期" in client.post(reverse("accounts:otp-setup"), {"code": wrong}).content.decode()
    done = client.post(reverse("accounts:otp-setup"), {"code": code_from_key(key), "next": reverse("dashboards:campaigns")})
    assert done.url == reverse("dashboards:campaigns")
    assert client.get(reverse("dashboards:campaigns")).status_code == 200
    assert TOTPDevice.objects.get(user=supervisor).confirmed


def test_someone_with_only_the_password_cannot_plant_the_key_the_user_will_scan(client, supervisor):
    intruder = Client()
    log_in(intruder, supervisor)
    planted = intruder.get(reverse("accounts:otp-setup")).context["key"]
    log_in(client, supervisor)
    shown = client.get(reverse("accounts:otp-setup")).context["key"]
    assert shown != planted
    client.post(reverse("accounts:otp-setup"), {"code": code_from_key(shown)})
    assert intruder.post(reverse("accounts:otp-setup"), {"code": code_from_key(planted)}).url == reverse("accounts:otp-verify")
    device = TOTPDevice.objects.get(user=supervisor)
    assert base64.b32encode(device.bin_key).decode() == shown


def test_a_forced_password_change_comes_after_the_second_factor_without_a_loop(client, supervisor):
    supervisor.must_change_password = True
    supervisor.save()
    log_in(client, supervisor)
    setup = client.get("/", follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("accounts:otp-setup"))
    after = client.post(reverse("accounts:otp-setup"), {"code": code_from_key(setup.context["key"])}, follow=True)
    assert after.redirect_chain[-1][0] == reverse("accounts:password-change")
    client.post(reverse("accounts:password-change"),
                {"old_password": TEST_PASSWORD, "new_password1": "Qingxi#Village9", "new_password2": "Qingxi#Village9"})
    assert client.get("/").status_code == 200


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


def test_right_codes_do_not_count_towards_the_limit(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    for _ in range(7):
        log_in(client, supervisor)
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a new 30-second step each time
        assert client.post(reverse("accounts:otp-verify"), {"code": code_for(device)}).status_code == 302
        client.post(reverse("accounts:logout"))


def test_the_session_id_changes_once_both_factors_are_proven(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="authenticator", confirmed=True)
    log_in(client, supervisor)
    before = client.session.session_key
    client.post(reverse("accounts:otp-verify"), {"code": code_for(device)})
    assert client.session.session_key != before


def test_cadres_and_handlers_need_no_second_factor(client, cadre):
    log_in(client, cadre)
    assert client.get("/").status_code == 200
