"""Guessing the current password on the password-change page is limited per account and audited."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:password-change")
NEW = "Qingxi#Village9"


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"password-change-{uuid.uuid4()}"}}


def change(client, current):
    return client.post(PAGE, {"old_password": current, "new_password1": NEW, "new_password2": NEW})


def test_each_wrong_current_password_is_audited(client, cadre):
    client.force_login(cadre)
    page = change(client, "Not-the-password-1")
    assert page.status_code == 200 and "旧密码不正确" in page.content.decode()
    entry = AuditEntry.objects.get(action="login_failed", actor=cadre)
    assert entry.summary == "修改密码时当前密码错误"


def test_after_five_wrong_guesses_even_the_right_password_waits(client, cadre):
    client.force_login(cadre)
    assert [change(client, f"Guess-number-{n}").status_code for n in range(5)] == [200] * 5
    refused = change(client, TEST_PASSWORD)
    assert refused.status_code == 429 and "15 分钟" in refused.content.decode()
    cadre.refresh_from_db()
    assert cadre.check_password(TEST_PASSWORD)  # not changed
    assert AuditEntry.objects.filter(action="login_failed", actor=cadre).count() == 6  # five guesses and the refusal


def test_the_limit_counts_every_session_of_the_account(client, cadre, other_cadre):
    sessions = [Client() for _ in range(5)]
    for n, session in enumerate(sessions):
        session.force_login(cadre)
        change(session, f"Guess-number-{n}")
    client.force_login(cadre)
    assert change(client, TEST_PASSWORD).status_code == 429
    other = Client()
    other.force_login(other_cadre)  # another account is not affected
    assert change(other, TEST_PASSWORD).status_code == 302


def test_a_mistyped_new_password_does_not_count(client, cadre):
    client.force_login(cadre)
    for _ in range(6):
        client.post(PAGE, {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": "something else"})
    assert not AuditEntry.objects.filter(action="login_failed").exists()
    assert change(client, TEST_PASSWORD).status_code == 302
