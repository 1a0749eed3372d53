"""Login protection: lockout per account and per address, password rules, session limits, forced change."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.middleware import LOGIN_TIME, SEEN_TIME
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def attempt(client, username, password="Wrong-password-1", address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_for_thirty_minutes_even_with_the_right_password(client, cadre):
    for _ in range(4):
        assert attempt(client, cadre.username).status_code == 200  # the form again, with its message
    locked = attempt(client, cadre.username)
    assert locked.status_code == 429
    assert "连续 5 次登录失败" in locked.content.decode() and "30 分钟" in locked.content.decode()
    # From another address, with the right password: still locked.
    response = attempt(client, cadre.username, TEST_PASSWORD, address="10.0.0.2")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address_for_every_account(client, cadre, handler):
    for n in range(5):
        attempt(client, f"nobody{n}", address="10.0.0.9")
    assert attempt(client, handler.username, TEST_PASSWORD, address="10.0.0.9").status_code == 429
    assert attempt(client, handler.username, TEST_PASSWORD, address="10.0.0.10").status_code == 302  # elsewhere: fine


def test_the_lock_lifts_after_thirty_minutes(client, cadre):
    for _ in range(5):
        attempt(client, cadre.username)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31))
    assert attempt(client, cadre.username, TEST_PASSWORD, address="10.0.0.3").status_code == 302


@pytest.mark.parametrize("password, ok", [
    ("Xiaxiang@2026", True), ("xiaxiang2026!", True), ("abcdefghijk", False), ("Abcdefghijk", False),
    ("Ab1!", False), ("Password123", False), ("12345678901", False),
])
def test_password_rules(password, ok):
    user = UserFactory.build(username="cadre1", real_name="李干部")
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_an_idle_session_ends_after_thirty_minutes_with_a_message(client, cadre):
    client.force_login(cadre)
    assert client.get("/").status_code == 200
    session = client.session
    session[SEEN_TIME] = time.time() - 31 * 60
    session.save()
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "30 分钟未操作" in response.content.decode()
    assert client.get("/").status_code == 302  # really logged out


def test_a_session_ends_twelve_hours_after_login_however_busy(client, cadre):
    client.force_login(cadre)
    client.get("/")
    session = client.session
    session[LOGIN_TIME], session[SEEN_TIME] = time.time() - 12 * 3600 - 5, time.time()
    session.save()
    response = client.get("/", follow=True)
    assert "已连续登录 12 小时" in response.content.decode()


def test_an_imported_account_must_choose_a_password_first(client, cadre):
    cadre.must_change_password = True
    cadre.save()
    client.force_login(cadre)
    assert client.get("/work/").url == reverse("accounts:password-change")
    weak = client.post(reverse("accounts:password-change"), {"old_password": TEST_PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 200 and weak.context["form"].errors
    done = client.post(reverse("accounts:password-change"),
                       {"old_password": TEST_PASSWORD, "new_password1": "Qingxi#Village9", "new_password2": "Qingxi#Village9"})
    assert done.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.must_change_password and cadre.password_changed_at is not None
    assert client.get("/work/").status_code == 200  # still signed in, free to go on


def test_an_expired_password_must_be_changed(client, cadre, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    cadre.password_changed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=91)
    cadre.save()
    client.force_login(cadre)
    assert client.get("/").url == reverse("accounts:password-change")


def test_a_username_longer_than_any_account_is_a_form_error_not_a_crash(client, db):
    # Found by tests/test_hostile_input.py: the lockout's record of the attempt could not hold it.
    response = client.post(LOGIN, {"username": "长" * 300, "password": "x"})
    assert response.status_code == 200 and response.context["form"].errors


def test_logging_into_another_account_does_not_wipe_the_failures_against_this_one(client, cadre, handler):
    for _ in range(4):
        attempt(client, cadre.username)
    assert attempt(client, handler.username, TEST_PASSWORD).status_code == 302  # the attacker's own account
    client.post(reverse("accounts:logout"))
    assert attempt(client, cadre.username).status_code == 429  # the fifth failure still locks


def test_the_admin_login_refuses_an_overlong_username_too(client, db):
    response = client.post(reverse("admin:login"), {"username": "长" * 300, "password": "x"})
    assert response.status_code == 200


def test_the_new_password_must_differ_from_the_current_one(client, cadre):
    cadre.must_change_password = True
    cadre.save()
    client.force_login(cadre)
    same = client.post(reverse("accounts:password-change"),
                       {"old_password": TEST_PASSWORD, "new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD})
    assert same.status_code == 200 and same.context["form"].errors["new_password2"]


def test_a_campaign_admin_cannot_make_themselves_superuser(client, campaign_admin):
    client.force_login(campaign_admin)
    form = client.get(reverse("admin:accounts_user_change", args=[campaign_admin.pk])).context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
