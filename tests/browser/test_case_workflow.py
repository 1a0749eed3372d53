"""A case from registration to 销号 at a desktop, by the three people who work it, then found by the petitioner."""

import pytest
from playwright.sync_api import expect

from grievances.models import Case
from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, move, fields=None, choose=None):
    """Open a move's panel on the case page, fill it, submit it."""
    panel = page.locator(f"details[data-move='{move}']")
    panel.locator("summary").click()
    for label, value in (fields or {}).items():
        panel.get_by_label(label).fill(value)
    for label, option in (choose or {}).items():
        panel.get_by_label(label).select_option(label=option)
    panel.locator("button.btn-danger").click()


def test_a_case_is_worked_to_closing_and_the_petitioner_finds_it(live_server, browser, categories, intake, handler, leader, regions, screenshot):  # noqa: F811
    def session(user):
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        log_in(page, live_server, user.username, TEST_PASSWORD)
        return page

    office = session(intake)
    office.goto(f"{live_server.url}/cases/new/")
    office.get_by_label("类型").select_option(label="信访")
    office.get_by_label("来源").select_option(label="来访")
    office.get_by_label("类别").select_option(label="权属纠纷")
    office.get_by_label("诉求内容").fill("宅基地边界与邻居有争议，多次协商未果")
    office.locator("#id_petitioner_name").fill("王建国")
    office.get_by_label("诉求人电话").fill("13812345678")
    office.get_by_label("村（社区）").select_option(label="城关镇 · 大坪村")
    office.get_by_role("button", name="登记").click()
    expect(office.get_by_text("已登记，编号")).to_be_visible()
    case_url = office.url
    number = Case.objects.get().number

    act(office, "accept")
    act(office, "assign", choose={"责任单位": "城关镇人民政府", "包案领导": "唐领导", "办理层级": "乡镇"})
    office.locator("details[data-move='assign']").wait_for(state="detached")

    unit_page = session(handler)
    unit_page.goto(case_url)
    act(unit_page, "start", {"说明": "已联系双方"})
    act(unit_page, "request_extension", {"延期天数": "20", "理由（将告知信访人）": "需请国土所现场测量"})

    leader_page = session(leader)
    leader_page.goto(case_url)
    act(leader_page, "extend")  # approves what was asked

    unit_page.goto(case_url)
    act(unit_page, "resolve", {"答复意见": "经现场测量并调解，双方签订协议"}, {"办理结果": "解决到位"})
    office.goto(case_url)
    act(office, "evaluate", choose={"信访人评价": "满意"})  # the petition office calls the petitioner back
    leader_page.goto(case_url)
    leader_page.locator("details[data-move='close'] summary").click()
    leader_page.get_by_test_id("confirm-close").click()  # 销号 is final: a page asks first
    leader_page.get_by_role("button", name="确认销号").click()
    expect(leader_page.get_by_text("已完成：销号")).to_be_visible()

    timeline = leader_page.get_by_test_id("timeline")
    for step in ["登记", "受理", "交办", "开始办理", "申请延期", "批准延期", "办结", "记录信访人评价", "销号"]:
        expect(timeline).to_contain_text(step)
    screenshot(leader_page, "case-closed-desktop")
    case = Case.objects.get()
    assert (case.status, case.extension_days, case.outcome, case.satisfaction) == ("closed", 20, "solved", "satisfied")

    petitioner = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    petitioner.goto(f"{live_server.url}/lookup/")
    petitioner.get_by_label("案件编号").fill(number)
    petitioner.get_by_label("您手机号的后 4 位").fill("5678")
    petitioner.get_by_role("button", name="查询").click()
    expect(petitioner.get_by_test_id("public-case")).to_contain_text("经现场测量并调解")
    screenshot(petitioner, "lookup-phone")
