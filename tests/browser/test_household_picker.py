"""A cadre on a phone (390×844) in a village of hundreds of households: search the visit form's picker, tap a
household, save the visit. Without JavaScript the drop-down still offers the first few."""

import pytest
from playwright.sync_api import expect

from campaigns import services
from campaigns.models import Campaign, Household, Visit
from tests.campaigns.conftest import assign
from tests.clock import DAY, TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory

from .conftest import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def large_village(campaign_admin, cadre, regions):
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=TODAY - DAY, end_date=TODAY + 5 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    households = Household.objects.bulk_create(
        Household(village=regions["village_a"], number=f"{n:04d}", head_name=f"户主{n:04d}", address=f"大坪村{(n - 1) // 30 + 1}组{n}号",
                  phone=f"139{n:08d}")
        for n in range(1, 601)
    )
    lost = households[417]
    lost.head_name, lost.phone = "向秋菊", "13812345678"
    lost.save()
    services.pairing_save(cadre=cadre, household=households[9], needs="就业")
    return households


def test_a_cadre_searches_the_village_picks_a_household_and_saves_the_visit(live_server, phone, cadre, large_village, screenshot):
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/work/visits/new/")
    household = phone.get_by_label("农户", exact=True)
    expect(household.locator("option")).to_have_count(21)  # village-level activity, then a page of 20
    expect(household.locator("option").nth(1)).to_have_text("户主0010（0010） 大坪村1组10号")  # the paired household first

    phone.get_by_label("搜索农户").fill("秋菊")
    results = phone.locator("[data-picker-results] button")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("向秋菊（0418）")
    expect(results.first).to_contain_text("138****5678")
    expect(phone.locator("[data-picker-status]")).to_contain_text("1")
    screenshot(phone, "household-picker-search-phone")
    assert "13812345678" not in phone.content()

    results.first.click()
    expect(results).to_have_count(0)
    expect(household).to_have_value(str(large_village[417].pk))

    phone.get_by_label("搜索农户").fill("大坪村5组")  # households 121–150: a first page, then more
    expect(results).to_have_count(20)
    phone.get_by_role("button", name="更多农户").click()
    expect(results).to_have_count(30)
    expect(household).to_have_value(str(large_village[417].pk))  # a search does not change the choice

    phone.get_by_label("访生活状况").check()
    phone.get_by_label("日记").fill("到向秋菊家了解低保申请情况。")
    screenshot(phone, "household-picker-chosen-phone")
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_text("走访已记录")).to_be_visible()
    screenshot(phone, "household-picker-saved-phone")
    assert Visit.objects.get().household == large_village[417]


def test_without_javascript_the_first_few_households_can_still_be_chosen(live_server, browser, cadre, large_village):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, cadre.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/work/visits/new/")
    expect(page.get_by_label("搜索农户")).to_be_hidden()  # it needs the script
    page.get_by_label("农户", exact=True).select_option(label="户主0003（0003） 大坪村1组3号")
    page.get_by_label("日记").fill("没有脚本也能记录。")
    page.get_by_role("button", name="保存走访").click()
    expect(page.get_by_text("走访已记录")).to_be_visible()
    assert Visit.objects.get().household == large_village[2]
    context.close()
