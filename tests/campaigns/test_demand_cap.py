"""A visit registers at most MAX_DEMANDS demands: a form claiming more is refused at once, without
building (or re-rendering) a form for every claimed row."""

import re
import uuid

import pytest
from django.urls import reverse

from campaigns.forms import MAX_DEMANDS, DemandFormSet
from campaigns.models import Visit
from grievances.models import Case
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=TODAY - 2 * DAY, end_date=TODAY + 4 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return cadre


@pytest.fixture
def household(regions):
    return HouseholdFactory(village=regions["village_a"])


def visit_post(household, demands: int, claimed: int | None = None):
    data = {
        "client_id": str(uuid.uuid4()), "household": household.pk if household else "", "visited_on": TODAY.isoformat(), "diary": "与户主拉家常。",
        "demand-TOTAL_FORMS": str(demands if claimed is None else claimed), "demand-INITIAL_FORMS": "0",
        "demand-MIN_NUM_FORMS": "0", "demand-MAX_NUM_FORMS": "1000",
    }
    for n in range(demands):
        data |= {f"demand-{n}-summary": f"诉求{n + 1}", f"demand-{n}-type": "livelihood", f"demand-{n}-head_count": "1"}
    return data


def rendered_demand_rows(html: str) -> int:
    """Demand rows in the page, not counting the <template> the "another demand" button copies."""
    return len(re.findall(r'name="demand-\d+-summary"', html))


def test_a_person_can_raise_ten_demands_on_one_visit(client, posted, household):
    assert MAX_DEMANDS == 10
    client.force_login(posted)
    response = client.post(reverse("work:visit-new"), visit_post(household, MAX_DEMANDS), follow=True)
    assert "走访已记录，10 条诉求已登记为案件" in response.content.decode()
    assert Case.objects.count() == 10


def test_a_form_claiming_100000_demands_is_refused_without_building_them(client, posted, household):
    client.force_login(posted)
    response = client.post(reverse("work:visit-new"), visit_post(household, 3, claimed=100_000))
    assert response.status_code == 200
    html = response.content.decode()
    assert "每次走访最多登记 10 条诉求" in html
    # Django's own ceiling would have built (and shown again) 1,020 forms for this 1 KB request.
    assert len(response.context["demands"].forms) == MAX_DEMANDS
    assert rendered_demand_rows(html) == MAX_DEMANDS
    assert not Visit.objects.exists() and not Case.objects.exists()


def test_the_formset_builds_no_more_forms_than_the_cap_whatever_is_claimed():
    formset = DemandFormSet(visit_post(None, 0, claimed=100_000), prefix="demand")
    assert not formset.is_valid()
    assert len(formset.forms) == MAX_DEMANDS
    assert formset.non_form_errors() == ["每次走访最多登记 10 条诉求；其余的请另记一次走访。"]


def test_eleven_demands_are_refused_and_the_page_shown_again_can_be_sent(client, posted, household):
    client.force_login(posted)
    data = visit_post(household, MAX_DEMANDS + 1)
    refused = client.post(reverse("work:visit-new"), data)
    html = refused.content.decode()
    assert "每次走访最多登记 10 条诉求" in html and not Visit.objects.exists()
    # The page shown again holds the ten rows it kept and says so in its count, so sending it again works.
    assert re.search(r'name="demand-TOTAL_FORMS" value="10"', html)
    data["demand-TOTAL_FORMS"] = "10"
    saved = client.post(reverse("work:visit-new"), data, follow=True)
    assert "10 条诉求已登记为案件" in saved.content.decode() and Case.objects.count() == 10
