"""The campaign dashboard opens on the campaign running today, and next week's campaign, already
activated, reads 未开始 in the list, on its page and on the dashboard."""

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign
from tests.clock import DAY, TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaigns(regions):
    running = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                              start_date=TODAY - 2 * DAY, end_date=TODAY + 4 * DAY)
    upcoming = CampaignFactory(name="春季三同四民", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=TODAY + 7 * DAY, end_date=TODAY + 13 * DAY)
    for campaign in (running, upcoming):
        campaign.target_villages.create(village=regions["village_a"])
    return running, upcoming


def test_the_dashboard_opens_on_todays_campaign_and_next_weeks_is_not_started(live_server, desktop, campaigns, campaign_admin, screenshot):
    running, upcoming = campaigns
    log_in(desktop, live_server, campaign_admin.username, TEST_PASSWORD)
    desktop.goto(f"{live_server.url}/campaigns/dashboard/")
    heading = desktop.get_by_role("heading", level=1)
    expect(heading).to_contain_text(running.name)
    expect(heading.get_by_test_id("campaign-status")).to_have_text("进行中")
    expect(desktop.get_by_test_id("not-started")).to_have_count(0)
    screenshot(desktop, "dashboard-campaign-today")

    desktop.locator("#id_campaign").select_option(label=f"{upcoming.name}（未开始）")
    desktop.get_by_role("button", name="查看").click()
    expect(heading).to_contain_text(upcoming.name)
    expect(heading.get_by_test_id("campaign-status")).to_have_text("未开始")
    expect(desktop.get_by_test_id("not-started")).to_be_visible()
    expect(desktop.get_by_test_id("absent-today")).not_to_contain_text("都已签到")
    screenshot(desktop, "dashboard-campaign-not-started")

    desktop.goto(f"{live_server.url}/campaigns/")
    expect(desktop.get_by_role("row").filter(has_text=upcoming.name).get_by_test_id("campaign-status")).to_have_text("未开始")
    expect(desktop.get_by_role("row").filter(has_text=running.name).get_by_test_id("campaign-status")).to_have_text("进行中")
    screenshot(desktop, "campaign-list-not-started")
    desktop.get_by_role("link", name=upcoming.name).click()
    expect(desktop.get_by_role("heading", level=1).get_by_test_id("campaign-status")).to_have_text("未开始")
