"""打分排序: the composite score, the admin-set weights, the formula beside the table (minimums and fabrications:
test_rankings_minimums.py)."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from campaigns import rollups
from campaigns import services as field_services
from campaigns.models import Campaign
from dashboards import rankings
from dashboards.models import RankingWeight
from tests.campaigns.conftest import assign
from tests.factories import CampaignFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

Indicator = RankingWeight.Indicator


def rules(weights, minimum=1, points=0) -> rankings.Rules:
    return rankings.Rules({**{k.value: 0 for k in Indicator}, **weights}, {k.value: minimum for k in Indicator}, points)


def row(values, records=10) -> rankings.Ranked:
    return rankings.Ranked("某镇", "", values, {key: records for key in values})


def test_the_score_is_the_weighted_mean_of_every_weighted_indicator():
    weights = rules({Indicator.COVERAGE: 30, Indicator.ON_TIME_RESOLUTION: 20})
    assert rankings.score(row({Indicator.COVERAGE: 0.5, Indicator.ON_TIME_RESOLUTION: 1.0, Indicator.CASE_SATISFACTION: 0.0}), weights) == 0.7
    # No case due yet: on-time resolution is —, and coverage alone does not decide (no rescaling).
    assert rankings.score(row({Indicator.COVERAGE: 0.5, Indicator.ON_TIME_RESOLUTION: None}), weights) is None
    assert rankings.score(row({Indicator.COVERAGE: None, Indicator.ON_TIME_RESOLUTION: None}), weights) is None
    assert rankings.formula(weights) == "(30×走访覆盖率 + 20×按期办结率) ÷ 50"


def test_below_its_minimum_an_indicator_does_not_count_and_the_row_gets_no_score():
    weights = rules({Indicator.COVERAGE: 30, Indicator.ON_TIME_RESOLUTION: 20}, minimum=5)
    assert rankings.score(row({Indicator.COVERAGE: 0.5, Indicator.ON_TIME_RESOLUTION: 1.0}, records=5), weights) == 0.7
    short = row({Indicator.COVERAGE: 0.5, Indicator.ON_TIME_RESOLUTION: 1.0}, records=4)
    assert not short.counts(Indicator.ON_TIME_RESOLUTION, weights)
    assert rankings.score(short, weights) is None


def test_each_confirmed_fabrication_takes_the_points_off_never_below_zero():
    weights = rules({Indicator.COVERAGE: 10}, points=2)
    flagged = row({Indicator.COVERAGE: 0.5})
    flagged.confirmed_flags = 3
    assert (rankings.points_off(flagged, weights), round(rankings.score(flagged, weights), 3)) == (6, 0.44)
    flagged.confirmed_flags = 30
    assert rankings.score(flagged, weights) == 0
    assert rankings.formula(weights) == f"(10×走访覆盖率) ÷ 10 − 2×{gettext('confirmed fabrications')}"


@pytest.fixture
def two_townships(regions, campaign_admin, cadre, other_cadre):
    """Township A: one household of two visited (coverage 50%). Township B: its one household visited (100%).
    Each township's government is the helping unit of its village."""
    today = timezone.localdate()
    campaign = CampaignFactory(organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=today - datetime.timedelta(days=3), end_date=today + datetime.timedelta(days=3))
    for village, person, homes in ((regions["village_a"], cadre, 2), (regions["village_b"], other_cadre, 1)):
        target = campaign.target_villages.create(village=village, helping_unit=person.unit)
        assign(campaign_admin, target, person)
        households = [HouseholdFactory(village=village) for _ in range(homes)]
        field_services.visit_record(cadre=person, client_id=uuid.uuid4(), visited_on=today, diary="走访", household=households[0])
    rollups.refresh()
    return campaign


def column(table, header: str) -> list[str]:
    at = table.headers.index(gettext(header))
    return [row[at].text for row in table.rows]


def test_admins_weights_decide_the_order_and_the_page_shows_the_formula(client, two_townships, campaign_admin):
    RankingWeight.objects.update(weight=0, minimum=1)
    RankingWeight.objects.filter(indicator=Indicator.COVERAGE).update(weight=40)
    client.force_login(campaign_admin)
    page = client.get(reverse("dashboards:rankings"))
    regions_table = page.context["tables"][0]
    assert [(row[0].value, row[1].text) for row in regions_table.rows] == [(1, "河西镇"), (2, "城关镇")]
    assert column(regions_table, "Score") == ["100.0%", "50.0%"]
    units = page.context["tables"][1]
    assert list(zip(column(units, "Name"), column(units, "Score"), strict=True)) == [("河西镇人民政府", "100.0%"), ("城关镇人民政府", "50.0%")]
    html = page.content.decode()
    assert "(40×走访覆盖率) ÷ 40 − 2×" in html  # the deduction's 2 points per confirmed fabrication, as first set
    assert regions_table.headers == ["名次", "名称", "走访覆盖率", *map(gettext, ["Confirmed fabrications", "Points off"]), "得分",
                                     gettext("Visits flagged")]


def test_every_weight_zero_gives_no_score_but_no_error(client, two_townships, campaign_admin):
    RankingWeight.objects.update(weight=0)
    client.force_login(campaign_admin)
    page = client.get(reverse("dashboards:rankings"))
    assert page.status_code == 200
    table = page.context["tables"][0]
    assert column(table, "Score") == column(table, "Rank") == ["—", "—"]


def test_the_rankings_export_matches_the_table(client, two_townships, campaign_admin):
    import io

    from openpyxl import load_workbook

    client.force_login(campaign_admin)
    table = client.get(reverse("dashboards:rankings")).context["tables"][0]
    response = client.get(reverse("dashboards:rankings") + "?export=regions")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [list(r) for r in rows[1:]] == [[c.value for c in row] for row in table.rows]
