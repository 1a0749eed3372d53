"""Beat and a real worker keep the dashboard rollups up to date: nobody calls the refresh by hand."""

import datetime
import uuid

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, VillageDay
from tests.celery_processes import celery_processes, log_tail, wait_until
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign


@pytest.fixture(scope="module")
def worker_and_beat(django_db_setup, django_db_blocker, tmp_path_factory):
    env = {"ROLLUP_REFRESH_SECONDS": "1", "HEARTBEAT_SECONDS": "60"}
    with django_db_blocker.unblock(), celery_processes(tmp_path_factory.mktemp("rollups"), beat=True, extra_env=env) as logs:
        yield logs


@pytest.mark.django_db(transaction=True)
def test_a_new_visit_reaches_the_dashboard_rollup_through_beat_and_the_worker(worker_and_beat, regions, campaign_admin, cadre):
    today = timezone.localdate()
    campaign = CampaignFactory(organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=today - datetime.timedelta(days=2), end_date=today + datetime.timedelta(days=2))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    home = HouseholdFactory(village=regions["village_a"])
    services.visit_record(cadre=cadre, client_id=uuid.uuid4(), visited_on=today, diary="走访", household=home, stayed_overnight=True)

    def summed():
        day = VillageDay.objects.filter(village_id=regions["village_a"].code, day=today).first()
        return day is not None and (day.visits, day.nights) == (1, 1)

    assert wait_until(summed), log_tail(worker_and_beat)
