"""A cadre in the village, on a phone: check in, find a household, log a visit with two demands and a deed."""

import datetime

import pytest
from playwright.sync_api import expect

from campaigns.models import Visit
from campaigns.services.fieldwork import rating_cards_issue
from grievances.models import Case
from tests.campaigns.conftest import assign
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cadre_logs_a_visit_on_a_phone(live_server, phone, campaign_admin, cadre, regions, screenshot):
    today = datetime.date.today()
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=5))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    HouseholdFactory.create_batch(12, village=regions["village_a"])
    HouseholdFactory(village=regions["village_a"], head_name="王建国", phone="13812345678", address="大坪村3组12号")

    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    phone.get_by_role("button", name="菜单").click()
    phone.locator("#main-nav").get_by_role("link", name="我的工作").click()
    expect(phone.get_by_test_id("assignment")).to_contain_text("大坪村")
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_text("已于")).to_be_visible()
    expect(phone.get_by_test_id("check-in")).to_contain_text("已签到")
    screenshot(phone, "my-work-phone")

    phone.goto(f"{live_server.url}/work/households/")
    phone.get_by_label("搜索农户").fill("王建国")
    phone.get_by_label("搜索农户").press("Enter")
    phone.get_by_role("link", name="王建国").click()
    expect(phone.get_by_test_id("phone")).to_contain_text("138****5678")
    phone.get_by_role("link", name="记录对该户的走访").click()

    phone.get_by_label("访生活状况").check()
    phone.get_by_label("同住").check()
    phone.get_by_label("日记").fill("在王建国家吃住，了解到路灯和灌溉两件事。")
    phone.get_by_label("所办实事").fill("帮助联系电工修理电表")
    phone.get_by_label("折合金额（元）").fill("150")
    demands = phone.locator("[data-demand]")
    expect(demands).to_have_count(1)  # one demand block, folded away until the cadre asks for it
    expect(demands.nth(0).get_by_label("群众诉求")).to_be_hidden()
    phone.get_by_test_id("add-demand").click()
    demands.nth(0).get_by_label("群众诉求").fill("村道路灯损坏")
    phone.get_by_role("button", name="再加一条诉求").click()
    demands.nth(1).get_by_label("群众诉求").fill("灌溉水渠堵塞")
    screenshot(phone, "visit-form-phone")
    phone.get_by_role("button", name="保存走访").click()

    expect(phone.get_by_text("走访已记录，2 条诉求已登记为案件")).to_be_visible()
    expect(phone.get_by_test_id("cases")).to_contain_text("村道路灯损坏")
    screenshot(phone, "visit-detail-phone")
    # 修改日记 fits the phone: the 四访 boxes sit in a row with their labels, not one character a line.
    phone.goto(f"{live_server.url}/work/visits/{Visit.objects.get().pk}/edit/")
    expect(phone.locator("input[name=kinds]")).to_have_count(4)
    for label in phone.locator("label[for^=id_kinds_]").all():
        box = label.bounding_box()
        assert box["width"] > 60 and box["height"] < 40, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "visit-edit-phone")
    phone.goto(f"{live_server.url}/work/diary/")
    expect(phone.get_by_test_id("diary-list")).to_contain_text("在王建国家吃住")
    assert set(Case.objects.values_list("summary", flat=True)) == {"村道路灯损坏", "灌溉水渠堵塞"}

    # A double submit (or a retry on a weak network) sends the same form twice: one visit.
    phone.goto(f"{live_server.url}/work/visits/new/")
    phone.get_by_label("日记").fill("第二次走访")
    statuses = phone.evaluate("""async () => {
        const form = document.querySelector("form[data-once]");
        const send = () => fetch(form.action || location.href, {method: "POST", body: new FormData(form), credentials: "same-origin"});
        const responses = await Promise.all([send(), send()]);
        return responses.map(r => r.status);
    }""")
    assert statuses == [200, 200]
    assert Visit.objects.filter(diary="第二次走访").count() == 1
    assert Visit.objects.count() == 2


def test_a_resident_rates_the_team_through_the_public_link(live_server, phone, browser, campaign_admin, cadre, regions, screenshot):
    today = datetime.date.today()
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=today, end_date=today + datetime.timedelta(days=5))
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    HouseholdFactory(village=regions["village_a"], number="0031", head_name="李大娘", phone="13700001234")
    [card] = rating_cards_issue(actor=campaign_admin, target=target, purpose="入户发放")  # the card the office delivered

    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/work/rating-link/{target.pk}/")
    expect(phone.get_by_test_id("qr").locator("svg")).to_be_visible()
    link = phone.get_by_test_id("rating-url").get_attribute("href")

    resident = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()  # no account
    for attempt in range(2):
        resident.goto(link)
        resident.get_by_label("户编号").fill("0031")
        resident.get_by_label("评议码").fill(card.code_for_print)
        resident.get_by_label("满意", exact=True).check()
        resident.get_by_role("button", name="提交").click()
        if attempt == 0:
            expect(resident.get_by_test_id("thanks")).to_contain_text("评议已记录")
            screenshot(resident, "rating-thanks-phone")
    expect(resident.get_by_test_id("notice")).to_contain_text("您家已经评议过本次活动了")
    assert target.evaluations.count() == 1
