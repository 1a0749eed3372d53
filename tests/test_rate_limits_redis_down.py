"""With Redis down, the public pages still answer and still limit: the rate limiter counts in the
process's memory while its cache cannot be reached, and goes back to Redis once it answers again.

The test starts its own redis-server on a spare port, points the cache at it, stops it, and stops only
what it started; the shared Redis stays up for the rest of the suite."""

import datetime
import shutil
import subprocess
import uuid

import pytest
import redis
import time_machine
from django.urls import reverse

from accounts.models import Unit
from accounts.roles import Role
from campaigns import services as campaign_services
from campaigns.models import Evaluation
from campaigns.views.public import rating_url
from core import ratelimit
from grievances import services as case_services
from grievances.categories import ensure_default_categories
from grievances.models import CaseCategory
from tests.celery_processes import free_port, wait_until
from tests.clock import DAY, NOW, TODAY
from tests.factories import CampaignFactory, HouseholdFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


class PrivateRedis:
    """A redis-server of this test's own, in the foreground as its child, so stopping it stops only it."""

    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(self.answers, 10)

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert not self.answers()

    def keys(self) -> int:
        return len(redis.Redis.from_url(self.url).keys("*"))


@pytest.fixture
def private_redis(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url, "KEY_PREFIX": uuid.uuid4().hex}}
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def case(regions):
    ensure_default_categories(CaseCategory)
    office = UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)
    intake = UserFactory(unit=office, roles=[Role.HANDLER])
    return case_services.case_register(actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
                                       petitioner_phone="13812345678", village_id=regions["village_a"].code, now=NOW)


@pytest.fixture
def rating_page(rf, campaign_admin, regions, cadre):
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=TODAY - DAY, end_date=TODAY + 5 * DAY)
    target = campaign.target_villages.create(village=regions["village_a"])
    campaign_services.cadres_assign(actor=campaign_admin, target_id=target.pk, cadre_ids=[cadre.pk])
    HouseholdFactory(village=regions["village_a"], number="0007", head_name="王大伯", phone="13912348765")
    return rating_url(rf.get("/"), target).replace("http://testserver", "")


def test_the_public_lookup_answers_and_still_limits_with_redis_stopped(client, private_redis, case):
    assert client.post(reverse("lookup"), {"number": case.number, "phone_last4": "0000"}).status_code == 200
    assert private_redis.keys() > 0  # counted in Redis while it runs
    private_redis.stop()
    statuses = [client.post(reverse("lookup"), {"number": case.number, "phone_last4": f"{n:04d}"}, REMOTE_ADDR=f"10.1.0.{n}").status_code
                for n in range(1, 9)]
    assert statuses == [200] * 5 + [429] * 3  # counted afresh in memory: five misses, then a wait
    walking = [client.post(reverse("lookup"), {"number": f"XF-2026-{900000 + n:06d}", "phone_last4": "0000"}, REMOTE_ADDR="10.2.0.1").status_code
               for n in range(12)]
    assert 500 not in walking and walking[-1] == 429  # one address walking numbers still waits
    found = client.post(reverse("lookup"), {"number": case.number, "phone_last4": "5678"}, REMOTE_ADDR="10.3.0.1")
    assert found.status_code == 429  # the number's wait holds in memory too


def test_the_public_rating_answers_and_still_limits_with_redis_stopped(client, private_redis, rating_page):
    private_redis.stop()
    # Wrong secrets for the household (the phone's last digits, or the card's rating code): refused, counted.
    wrong = [{"household_number": "0007", "phone_last4": f"{n:04d}", "rating_code": f"WRONG{n}", "rating": "satisfied"} for n in range(7)]
    statuses = [client.post(rating_page, data).status_code for data in wrong]
    assert statuses == [200] * 5 + [429, 429]
    walking = [client.post(rating_page, {"household_number": f"{9000 + n}", "phone_last4": "0000", "rating_code": "WRONG", "rating": "satisfied"},
                           REMOTE_ADDR="10.4.0.1").status_code for n in range(11)]
    assert walking == [200] * 10 + [429]  # one address trying many households
    assert not Evaluation.objects.exists()


def test_counting_goes_back_to_redis_once_it_answers_again(client, private_redis, case):
    private_redis.stop()
    assert client.post(reverse("lookup"), {"number": case.number, "phone_last4": "0000"}).status_code == 200
    private_redis.start()
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=ratelimit.RETRY_CACHE_AFTER + 1), tick=True):
        assert client.post(reverse("lookup"), {"number": case.number, "phone_last4": "0001"}).status_code == 200
    assert private_redis.keys() > 0
