"""The public lookup slows guessing with waits that grow, per case number and per address, instead of
locking a petitioner out: strangers' misses cannot keep out a browser that has looked the case up."""

import contextlib
import datetime
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from grievances import views

pytestmark = pytest.mark.django_db

LOOKUP = reverse("lookup")


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


def look(client, number, digits, address="10.0.0.1"):
    return client.post(LOOKUP, {"number": number, "phone_last4": digits}, REMOTE_ADDR=address)


def test_misses_on_a_number_make_the_next_try_wait_longer_each_time(client, case):
    for n in range(5):  # five misses from five addresses
        assert look(client, case.number, f"{n:04d}", address=f"10.0.1.{n}").status_code == 200
    waits = []
    with contextlib.ExitStack() as clock:
        for n in range(4):
            refused = look(client, case.number, "5678", address=f"10.0.3.{n}")  # even the right digits wait
            assert refused.status_code == 429 and "错误次数过多" in refused.content.decode()
            waits.append(int(refused["Retry-After"]))
            # Once the wait has passed, the next try is answered; another miss doubles the wait.
            clock.enter_context(time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=waits[-1] + 1), tick=True))
            assert look(client, case.number, f"{10 + n:04d}", address=f"10.0.2.{n}").status_code == 200
        assert waits == [30, 60, 120, 240]
        clock.enter_context(time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=481), tick=True))
        found = look(client, case.number, "5678", address="10.0.4.1")
        assert found.status_code == 200 and case.number in found.content.decode()


def test_the_wait_is_capped_at_an_hour_for_a_number(client, case):
    for _attempt in range(30):
        views.LOOKUP_NUMBER_BACKOFF.failure(case.number)
    refused = look(client, case.number, "5678")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "60 分钟后再试" in refused.content.decode()


def test_a_browser_that_found_its_case_is_not_kept_out_by_strangers_misses(client, case):
    found = look(client, case.number, "5678")
    assert found.status_code == 200 and case.number in found.content.decode()
    strangers = Client()
    for n in range(8):
        look(strangers, case.number, f"{n:04d}", address=f"10.9.0.{n}")
    assert look(strangers, case.number, "5678", address="10.9.1.1").status_code == 429
    again = look(client, case.number, "5678")  # the petitioner's browser, from its own address
    assert again.status_code == 200 and case.number in again.content.decode()


def test_a_forged_note_of_known_numbers_is_ignored(client, case):
    for n in range(5):
        look(client, case.number, f"{n:04d}", address=f"10.0.5.{n}")
    client.cookies["lookup_known"] = f'["{case.number}"]'
    assert look(client, case.number, "5678", address="10.0.6.1").status_code == 429


def test_one_address_walking_numbers_waits_after_ten_misses_but_not_for_long(client, case):
    statuses = [look(client, f"XF-2026-{900000 + n:06d}", "0000").status_code for n in range(12)]
    assert statuses == [200] * 10 + [429, 429]
    refused = look(client, case.number, "5678")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    assert look(client, case.number, "5678", address="10.0.0.2").status_code == 200  # another address is not affected


def test_the_right_digits_forget_the_misses_on_the_number(client, case):
    for n in range(4):
        look(client, case.number, f"{n:04d}", address=f"10.0.7.{n}")
    assert look(client, case.number, "5678", address="10.0.7.9").status_code == 200
    assert views.LOOKUP_NUMBER_BACKOFF.failures(case.number) == 0
    assert views.LOOKUP_ADDRESS_BACKOFF.failures("10.0.7.0") == 1  # an address's misses stay counted


def test_tries_sent_at_once_are_answered_one_after_another_so_none_slips_past_the_count(client, case):
    """Parallel requests could all pass the wait before any miss was counted: while one try on a number
    (or from an address) is being checked, another is told to try again in a moment and counts nothing."""
    assert views.LOOKUP_NUMBER_BACKOFF.begin(case.number)  # a try on this number, from elsewhere, in flight
    refused = look(client, case.number, "0000", address="10.0.9.1")
    assert refused.status_code == 429 and refused["Retry-After"] == "2" and "正在核对" in refused.content.decode()
    assert views.LOOKUP_NUMBER_BACKOFF.failures(case.number) == 0 and views.LOOKUP_ADDRESS_BACKOFF.failures("10.0.9.1") == 0
    views.LOOKUP_NUMBER_BACKOFF.end(case.number)
    assert look(client, case.number, "0000", address="10.0.9.1").status_code == 200  # answered: a miss
    assert views.LOOKUP_NUMBER_BACKOFF.failures(case.number) == 1
    assert views.LOOKUP_NUMBER_BACKOFF.begin(case.number)  # and its slot was given back
