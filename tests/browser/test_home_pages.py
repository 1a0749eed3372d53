"""A handler's and a 包案领导's home pages show their cases and reminders (the demo's jingban and lingdao
once saw "目前没有交办给您或本单位的案件" beside hundreds of cases)."""

import pytest
from playwright.sync_api import expect

from grievances import services
from grievances.models import Reminder
from tests.clock import DAY, NOW, TODAY
from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(intake, unit_a, leader, handler, regions):  # noqa: F811
    """Three cases to accept, two assigned to unit A (one past its limit), one rated and waiting for 销号."""

    def register(ago=0):
        return services.case_register(actor=intake, type="livelihood", source="phone", summary="路灯坏了", petitioner_name="王建国",
                                      village_id=regions["village_a"].code, now=NOW - ago * DAY)

    def assign(case, ago=0):
        services.case_accept(actor=intake, case_id=case.pk, now=NOW - ago * DAY)
        return services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler], now=NOW - ago * DAY)

    waiting = [register() for _ in range(3)]
    late = assign(register(90), 80)
    running = assign(register())
    done = assign(register())
    services.case_start(actor=handler, case_id=done.pk)
    services.case_resolve(actor=handler, case_id=done.pk, outcome="solved", reply="已修好")
    services.case_evaluate(actor=intake, case_id=done.pk, satisfaction="satisfied")
    Reminder.objects.create(case=late, deadline="resolve", due=late.resolve_due, threshold=Reminder.OVERDUE, recipient=handler)
    Reminder.objects.create(case=running, deadline="resolve", due=TODAY + 7 * DAY, threshold=7, recipient=handler)
    return {"waiting": waiting, "late": late, "running": running, "done": done}


def count(page, key):
    return page.get_by_test_id(f"case-count-{key}").locator(".stat-value")


def test_the_petition_office_handler_sees_the_intake(live_server, desktop, desk, intake, screenshot):  # noqa: F811
    log_in(desktop, live_server, intake.username, TEST_PASSWORD)
    section = desktop.get_by_test_id("case-section")
    expect(count(desktop, "to_accept")).to_have_text("3")
    expect(count(desktop, "overdue")).to_have_text("1")
    expect(section).not_to_contain_text("没有交办")
    for case in desk["waiting"]:
        expect(section.get_by_test_id("waiting-cases")).to_contain_text(case.number)
    screenshot(desktop, "home-petition-office-desktop")
    desktop.get_by_test_id("case-count-to_accept").click()
    expect(desktop.locator("[data-testid='cases'] tbody tr")).to_have_count(3)


def test_the_unit_handler_sees_their_cases_and_reminders_on_a_phone(live_server, phone, desk, handler, screenshot):  # noqa: F811
    log_in(phone, live_server, handler.username, TEST_PASSWORD)
    expect(count(phone, "handled")).to_have_text("2")
    rows = phone.get_by_test_id("waiting-cases").locator("tbody tr")
    expect(rows).to_have_count(5)  # their two, and as the township's intake the three to accept
    expect(rows.first).to_contain_text(desk["late"].number)  # the one past its limit first
    expect(rows.first.get_by_test_id("overdue")).to_be_visible()
    reminders = phone.get_by_test_id("home-reminders")
    expect(reminders).to_contain_text(desk["late"].number)
    expect(reminders).to_contain_text("剩余 7 天")
    screenshot(phone, "home-unit-handler-phone")
    reminders.get_by_role("button").filter(has_text=desk["running"].number).click()  # read it: opens the case
    expect(phone).to_have_url(f"{live_server.url}/cases/{desk['running'].pk}/")


def test_the_leader_sees_the_cases_they_lead(live_server, desktop, desk, leader, screenshot):  # noqa: F811
    log_in(desktop, live_server, leader.username, TEST_PASSWORD)
    expect(count(desktop, "led")).to_have_text("2")
    expect(count(desktop, "to_close")).to_have_text("1")
    expect(desktop.get_by_test_id("waiting-cases")).to_contain_text(desk["done"].number)
    screenshot(desktop, "home-leader-desktop")
