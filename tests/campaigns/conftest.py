import uuid
from decimal import Decimal

import pytest

from campaigns import rollups, services
from campaigns.models import Campaign, Evaluation, TargetVillage
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, HouseholdFactory


@pytest.fixture
def draft(regions, campaign_admin):
    """A draft 三同四民 week organised by the county, next week."""
    return CampaignFactory(
        name="冬季三同四民", organiser_region=regions["county"], status=Campaign.Status.DRAFT,
        start_date=TODAY + 7 * DAY, end_date=TODAY + 13 * DAY,
    )


@pytest.fixture
def target_a(draft):
    return TargetVillage.objects.create(campaign=draft, village_id="431299100201")


@pytest.fixture
def active(regions, campaign_admin):
    """An active campaign around TODAY with a village in township A and one in B."""
    campaign = CampaignFactory(
        name="秋季三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
        start_date=TODAY - 3 * DAY, end_date=TODAY + 4 * DAY,
    )
    TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    TargetVillage.objects.create(campaign=campaign, village=regions["village_b"])
    return campaign


def assign(actor, target, *cadres, **dates):
    return services.cadres_assign(actor=actor, target_id=target.pk, cadre_ids=[c.pk for c in cadres], **dates)


def visit(cadre, day, household=None, **kwargs):
    data = {"client_id": uuid.uuid4(), "visited_on": day, "diary": "走访了解生产情况", "household": household}
    return services.visit_record(cadre=cadre, **{**data, **kwargs})[0]


@pytest.fixture
def today():
    return TODAY


@pytest.fixture
def field(regions, campaign_admin, cadre, other_cadre, today):
    """A campaign of this week with 大坪村 (township A: four households) and 小溪村 (township B: two).
    In 大坪村 the cadre checked in today and made four visits: household 1 twice (yesterday: stayed the
    night, living + production; today: a deed worth 200 yuan and a demand), household 2 once (stayed the
    night), and one village-level meeting. Residents rated the team once satisfied, once dissatisfied.
    In 小溪村 the other cadre is posted but has not checked in, visited nobody, and nobody has rated."""
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=today - 5 * DAY, end_date=today + 2 * DAY)
    target_a = campaign.target_villages.create(village=regions["village_a"])
    target_b = campaign.target_villages.create(village=regions["village_b"])
    assign(campaign_admin, target_a, cadre)
    assign(campaign_admin, target_b, other_cadre)
    homes = [HouseholdFactory(village=regions["village_a"]) for _ in range(4)]
    HouseholdFactory(village=regions["village_b"]), HouseholdFactory(village=regions["village_b"])
    services.check_in(cadre=cadre)
    visit(cadre, today - DAY, homes[0], kinds=["living", "production"], stayed_overnight=True)
    visit(cadre, today, homes[0], kinds=["policy"], deed="送去米油慰问", deed_value=Decimal("200"),
          demands=[services.DemandInput("村道路灯损坏")])
    visit(cadre, today, homes[1], kinds=["living"], stayed_overnight=True, ate_together=True)
    visit(cadre, today, None, kinds=["development"], diary="召开村民代表会")
    Evaluation.objects.create(campaign=campaign, target_village=target_a, household=homes[0], rating="satisfied")
    Evaluation.objects.create(campaign=campaign, target_village=target_a, household=homes[1], rating="dissatisfied")
    rollups.refresh()
    return campaign
