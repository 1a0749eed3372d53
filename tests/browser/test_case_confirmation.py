"""销号 is final: clicking it shows what it means and asks; 取消 changes nothing, 确认销号 closes the case."""

import pytest
from playwright.sync_api import expect

from grievances import services
from grievances.models import Case
from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import assigned, case, categories, intake, petition_office  # noqa: F401 - fixtures

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evaluated(assigned, intake, handler):  # noqa: F811
    services.case_start(actor=handler, case_id=assigned.pk)
    services.case_resolve(actor=handler, case_id=assigned.pk, outcome="solved", reply="经现场测量，双方签订协议")
    return services.case_evaluate(actor=intake, case_id=assigned.pk, satisfaction="satisfied")


def test_closing_asks_first_cancel_changes_nothing_and_confirm_closes(live_server, desktop, evaluated, leader, screenshot):  # noqa: F811
    log_in(desktop, live_server, leader.username, TEST_PASSWORD)
    case_url = f"{live_server.url}/cases/{evaluated.pk}/"
    desktop.goto(case_url)
    events = evaluated.events.count()

    desktop.locator("details[data-move='close'] summary").click()
    desktop.get_by_test_id("confirm-close").click()
    confirmation = desktop.get_by_test_id("confirm-move")
    expect(confirmation.get_by_role("heading", name="确定要销号吗？")).to_be_visible()
    expect(confirmation.get_by_role("alert")).to_contain_text("销号后")
    expect(confirmation).to_contain_text(evaluated.number)
    screenshot(desktop, "case-close-confirmation-desktop")

    confirmation.get_by_role("link", name="取消").click()
    expect(desktop).to_have_url(case_url)
    expect(desktop.locator("details[data-move='close']")).to_be_visible()
    kept = Case.objects.get(pk=evaluated.pk)
    assert (kept.status, kept.events.count()) == (Case.Status.EVALUATED, events)

    desktop.locator("details[data-move='close'] summary").click()
    desktop.get_by_test_id("confirm-close").click()
    desktop.get_by_test_id("confirm-move").get_by_label("说明").fill("已化解，信访人满意")
    desktop.get_by_role("button", name="确认销号").click()
    expect(desktop.get_by_text("已完成：销号")).to_be_visible()
    expect(desktop.get_by_test_id("timeline")).to_contain_text("已化解，信访人满意")
    expect(desktop.locator("details[data-move='close']")).to_have_count(0)
    screenshot(desktop, "case-closed-after-confirmation-desktop")
    closed = Case.objects.get(pk=evaluated.pk)
    assert (closed.status, closed.events.count()) == (Case.Status.CLOSED, events + 1)


def test_not_accepting_asks_first_too(live_server, phone, case, intake, screenshot):  # noqa: F811
    log_in(phone, live_server, intake.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/cases/{case.pk}/")
    phone.locator("details[data-move='reject'] summary").click()
    phone.get_by_test_id("confirm-reject").click()
    expect(phone.get_by_role("heading", name="确定要不予受理吗？")).to_be_visible()
    screenshot(phone, "case-reject-confirmation-phone")
    assert Case.objects.get(pk=case.pk).status == Case.Status.REGISTERED  # asking wrote nothing
    phone.get_by_label("理由（将告知信访人）").fill("不属于信访事项，已告知通过诉讼途径解决")
    phone.get_by_role("button", name="确认不予受理").click()
    expect(phone.get_by_text("已完成：不予受理")).to_be_visible()
    assert Case.objects.get(pk=case.pk).status == Case.Status.REJECTED
