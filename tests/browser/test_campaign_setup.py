"""An admin sets up a 三同四民 campaign end to end at a desktop, with the real worker doing the imports."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from campaigns.models import Assignment, Campaign, Household, TargetVillage
from tests.campaigns.roster_files import CADRE_HEADER, HOUSEHOLD_HEADER, households, xlsx
from tests.factories import TEST_PASSWORD, CampaignFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, live_server, kind_label, path):
    page.locator("#main-nav").get_by_role("link", name="名册导入").click()
    page.get_by_role("link", name="上传文件").click()
    page.get_by_label("名册类型").select_option(label=kind_label)
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    # The page polls the worker's progress until it reports the result.
    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-status", "done", timeout=30_000)


def test_an_admin_sets_up_and_activates_a_campaign(live_server, desktop, campaign_admin, cadre, unit_a, regions, tmp_path, screenshot, celery_worker):
    today = datetime.date.today()
    start = today + datetime.timedelta(days=1)
    # The cadre is already busy in another campaign during the new one's week.
    busy = CampaignFactory(name="另一活动", organiser_region=regions["county"], start_date=start, end_date=start + datetime.timedelta(days=2))
    Assignment.objects.create(target_village=TargetVillage.objects.create(campaign=busy, village=regions["village_b"]),
                              cadre=cadre, start_date=busy.start_date, end_date=busy.end_date)
    household_file = tmp_path / "households.xlsx"
    household_file.write_bytes(xlsx(HOUSEHOLD_HEADER, households(regions["village_a"].code, 30)).read())
    cadre_file = tmp_path / "cadres.xlsx"
    cadre_file.write_bytes(xlsx(CADRE_HEADER, [["吴新民", "13911110001", "城关镇人民政府", "", ""], ["冯秋菊", "13911110002", "城关镇人民政府", "", ""]]).read())

    log_in(desktop, live_server, campaign_admin.username, TEST_PASSWORD)
    desktop.locator("#main-nav").get_by_role("link", name="活动", exact=True).click()
    desktop.get_by_role("link", name="新建活动").click()
    desktop.get_by_test_id("kind-santong_simin").click()
    desktop.get_by_label("名称").fill("冬季“三同四民”活动")
    desktop.get_by_label("开始日期").fill(start.isoformat())
    desktop.get_by_label("结束日期").fill((start + datetime.timedelta(days=6)).isoformat())
    screenshot(desktop, "campaign-create-desktop")
    desktop.get_by_role("button", name="保存为草稿").click()
    expect(desktop.get_by_role("heading", name="冬季“三同四民”活动")).to_be_visible()

    desktop.get_by_role("link", name="添加驻村点").click()
    desktop.get_by_label("大坪村").check()
    desktop.get_by_label("小溪村").check()
    desktop.get_by_role("button", name="添加勾选的村").click()
    expect(desktop.get_by_text("已添加 2 个村")).to_be_visible()
    campaign_url = desktop.url

    upload(desktop, live_server, "农户", household_file)
    expect(desktop.get_by_test_id("import-progress")).to_contain_text("已导入 30 行：新增 30 条")
    upload(desktop, live_server, "干部", cadre_file)
    screenshot(desktop, "import-done-desktop")

    desktop.goto(campaign_url)
    desktop.get_by_role("link", name="大坪村").click()
    desktop.get_by_label("按单位（该单位全部下派干部）").select_option(label="城关镇人民政府")
    desktop.get_by_role("button", name="分派", exact=True).click()
    expect(desktop.get_by_text("已分派 2 名干部")).to_be_visible()
    expect(desktop.get_by_text("未分派：李干部 已在「另一活动」中分派到 小溪村")).to_be_visible()
    expect(desktop.get_by_test_id("team")).to_contain_text("吴新民")
    screenshot(desktop, "team-desktop")

    desktop.goto(campaign_url)
    desktop.get_by_role("link", name="启动").click()
    desktop.get_by_role("button", name="启动").click()
    expect(desktop.get_by_text("活动已启动")).to_be_visible()
    screenshot(desktop, "campaign-active-desktop")

    campaign = Campaign.objects.get(name="冬季“三同四民”活动")
    assert campaign.status == Campaign.Status.ACTIVE
    assert Household.objects.filter(village=regions["village_a"]).count() == 30
    assert set(Assignment.objects.filter(target_village__campaign=campaign).values_list("cadre__real_name", flat=True)) == {"吴新民", "冯秋菊"}
    assert not Assignment.objects.filter(target_village__campaign=campaign, cadre=cadre).exists()
    assert cadre.has_role(Role.CADRE)
