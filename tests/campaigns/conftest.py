import datetime

import pytest

from campaigns import services
from campaigns.models import Campaign, TargetVillage
from tests.factories import CampaignFactory

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def draft(regions, campaign_admin):
    """A draft 三同四民 week organised by the county, next week."""
    return CampaignFactory(
        name="冬季三同四民", organiser_region=regions["county"], status=Campaign.Status.DRAFT,
        start_date=datetime.date(2026, 11, 30), end_date=datetime.date(2026, 12, 6),
    )


@pytest.fixture
def target_a(draft):
    return TargetVillage.objects.create(campaign=draft, village_id="431299100201")


@pytest.fixture
def active(regions, campaign_admin):
    """An active campaign around TODAY with a village in township A and one in B."""
    campaign = CampaignFactory(
        name="秋季三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
        start_date=datetime.date(2026, 11, 20), end_date=datetime.date(2026, 11, 27),
    )
    TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    TargetVillage.objects.create(campaign=campaign, village=regions["village_b"])
    return campaign


def assign(actor, target, *cadres, **dates):
    return services.cadres_assign(actor=actor, target_id=target.pk, cadre_ids=[c.pk for c in cadres], **dates)
