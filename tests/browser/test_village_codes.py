"""An admin filling in a roster finds the 村代码 of the villages on the campaign pages and downloads them
from the import page, beside the templates."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Region
from campaigns.models import TargetVillage
from tests.clock import DAY, TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory, region

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sees_the_village_codes_and_downloads_the_list(live_server, desktop, campaign_admin, regions, screenshot, tmp_path):
    region("431202100201", "远山村")  # another county's village: not in the list
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], start_date=TODAY + DAY, end_date=TODAY + 7 * DAY)
    TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])

    log_in(desktop, live_server, campaign_admin.username, TEST_PASSWORD)
    desktop.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    villages = desktop.get_by_test_id("target-villages")
    expect(villages.get_by_role("columnheader", name="村代码")).to_be_visible()
    expect(villages.get_by_role("row", name="大坪村")).to_contain_text("431299100201")
    screenshot(desktop, "village-codes-campaign-desktop")

    desktop.get_by_role("link", name="大坪村").click()
    expect(desktop.get_by_test_id("village-code")).to_have_text("431299100201")
    screenshot(desktop, "village-codes-village-desktop")

    desktop.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    desktop.get_by_role("link", name="添加驻村点").click()
    expect(desktop.get_by_label("小溪村")).to_be_visible()
    expect(desktop.locator("label", has_text="小溪村")).to_contain_text("431299101201")
    expect(desktop.locator("label", has_text="大坪村")).to_contain_text("431299100201")
    screenshot(desktop, "village-codes-picker-desktop")

    desktop.locator("#main-nav").get_by_role("link", name="名册导入").click()
    screenshot(desktop, "village-codes-import-desktop")
    with desktop.expect_download() as download:
        desktop.get_by_test_id("village-codes").click()
    path = tmp_path / "villages.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename == "村代码表.xlsx"
    header, *rows = load_workbook(path).active.iter_rows(values_only=True)
    assert header == ("村代码", "村（社区）", "乡镇代码", "乡镇")
    expected = Region.objects.villages().in_region(regions["county"].code).order_by("code")
    assert rows == [(v.code, v.name, v.parent_id, v.parent.name) for v in expected]
    assert [row[1] for row in rows] == ["大坪村", "小溪村"]
