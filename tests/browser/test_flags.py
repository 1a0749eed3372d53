"""#19 in the browser: a supervisor at a desktop (1366×768) opens the flag queue, sees the records behind a
flag with their distance from the village, confirms it after the confirmation page, and the campaign
dashboard's switch then leaves the fabricated visit out; the cadre, on a phone, sees the flag on 我的工作
and explains it."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Region
from campaigns import rollups, services
from campaigns.models import Flag, FlagRule
from tests.campaigns.conftest import assign, visit
from tests.clock import TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flagged(regions, campaign_admin, cadre):
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=5),
                               end_date=TODAY + datetime.timedelta(days=2))
    Region.objects.filter(pk=regions["village_a"].pk).update(latitude=Decimal("28.2"), longitude=Decimal("112.9"))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    services.check_in(cadre=cadre, latitude=Decimal("28.2001"), longitude=Decimal("112.9"))
    near = visit(cadre, TODAY, household=HouseholdFactory(village=regions["village_a"], head_name="王建国"),
                 latitude=Decimal("28.2003"), longitude=Decimal("112.9"))
    far = visit(cadre, TODAY, household=HouseholdFactory(village=regions["village_a"], head_name="李秀英"),
                latitude=Decimal("28.25"), longitude=Decimal("112.9"))
    farther = visit(cadre, TODAY, household=HouseholdFactory(village=regions["village_a"], head_name="张明"),
                    latitude=Decimal("28.30"), longitude=Decimal("112.9"))
    services.flags_check_records(visits=[near.pk, far.pk, farther.pk])
    rollups.refresh(full=True)
    return Flag.objects.get(rule=FlagRule.FAR_FROM_VILLAGE, visits=far)


def review(page, live_server, flag, verdict, note):
    page.goto(f"{live_server.url}/flags/{flag.pk}/")
    page.get_by_label(verdict).check()
    page.get_by_label("核查意见").fill(note)
    page.get_by_role("button", name="记录核查结论").click()
    expect(page.get_by_test_id("review-confirm")).to_contain_text(f"将这条提示核查为“{verdict}”？")
    page.get_by_role("button", name="记录核查结论").click()
    expect(page.get_by_test_id("review")).to_contain_text(f"{verdict}：{note}")


def test_a_supervisor_confirms_one_flag_and_dismisses_another_and_the_dashboard_and_rankings_follow(
        live_server, desktop, browser, flagged, supervisor, other_supervisor, screenshot):
    log_in(desktop, live_server, supervisor.username, TEST_PASSWORD)
    desktop.goto(f"{live_server.url}/campaigns/dashboard/?campaign={flagged.campaign_id}")
    village = desktop.locator("[data-testid='table-regions'] tbody tr", has_text="大坪村")
    expect(village).to_contain_text("66.7%")  # two of the three visits carry an open flag
    desktop.locator("#main-nav").get_by_role("link", name="核查提示").click()
    queue = desktop.get_by_test_id("flags")
    expect(queue.locator("tbody tr")).to_have_count(2)
    expect(queue).to_contain_text("对李秀英的走访定位距大坪村 5560 米")
    screenshot(desktop, "flags-queue-desktop")

    queue.locator("tr", has_text="李秀英").get_by_role("link").first.click()
    expect(desktop.get_by_test_id("flag-visits")).to_contain_text("5560 米")
    review(desktop, live_server, flagged, "属实", "电话核实：当天未到该户，定位在县城。")
    screenshot(desktop, "flags-reviewed-desktop")
    other = Flag.objects.exclude(pk=flagged.pk).get(rule=FlagRule.FAR_FROM_VILLAGE)
    review(desktop, live_server, other, "已排除", "手机定位漂移，经村干部证实在户里。")
    assert dict(Flag.objects.values_list("pk", "state")) == {flagged.pk: Flag.State.CONFIRMED, other.pk: Flag.State.DISMISSED}

    desktop.goto(f"{live_server.url}/campaigns/dashboard/?campaign={flagged.campaign_id}")
    expect(village).to_contain_text("33.3%")  # the dismissed one no longer counts
    desktop.get_by_role("link", name="显示不含核实造假记录的数字").click()
    expect(desktop.get_by_test_id("trust-switch")).to_contain_text("去除 1 次走访")
    screenshot(desktop, "dashboard-without-fabrications-desktop")
    desktop.goto(f"{live_server.url}/rankings/?campaign={flagged.campaign_id}")
    expect(desktop.locator("tr", has_text="大坪村").first).to_contain_text("33.3%")
    screenshot(desktop, "rankings-with-flags-desktop")

    outsider = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(outsider, live_server, other_supervisor.username, TEST_PASSWORD)
    outsider.goto(f"{live_server.url}/flags/?state=")
    expect(outsider.get_by_test_id("no-flags")).to_be_visible()
    assert outsider.goto(f"{live_server.url}/flags/{flagged.pk}/").status == 404
    outsider.context.close()


def test_the_cadre_sees_the_flag_on_my_work_and_explains_it_on_the_phone(live_server, phone, flagged, cadre, screenshot):
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone.get_by_test_id("my-flags")).to_contain_text("督查人员正在核查您的 2 条记录")
    phone.get_by_role("link", name="查看并说明").click()
    phone.get_by_test_id("flags").get_by_role("link").first.click()
    phone.get_by_label("您的说明").fill("当天手机定位漂移，实际在李秀英家。")
    phone.get_by_role("button", name="提交说明").click()
    expect(phone.get_by_test_id("explanation")).to_contain_text("当天手机定位漂移")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "flag-explained-phone")
