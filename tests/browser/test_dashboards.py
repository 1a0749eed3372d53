"""Dashboards at a desktop (1366×768): a township supervisor sees only the township, a county
supervisor clicks a township's overdue count and lands on exactly those cases, and an export holds
the rows on the screen."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.campaigns.conftest import field, today  # noqa: F401 - fixtures
from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import categories, intake, petition_office, worked_cases  # noqa: F401 - fixtures

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def table_rows(page, key):
    """The cells' text of a dashboard table, body rows then the total row."""
    return page.locator(f"[data-testid='table-{key}'] tbody tr, [data-testid='table-{key}'] tfoot tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )


def test_a_township_supervisor_sees_only_the_township(live_server, desktop, worked_cases, supervisor, screenshot):  # noqa: F811
    log_in(desktop, live_server, supervisor.username, TEST_PASSWORD)
    desktop.locator("#main-nav").get_by_role("link", name="诉求看板").click()
    expect(desktop.get_by_role("heading", name="诉求看板 · 城关镇")).to_be_visible()
    rows = table_rows(desktop, "regions")
    assert [row[0] for row in rows] == ["大坪村", "合计"]
    assert rows[-1][1:4] == ["6", "3", "2"]  # six cases, three open, two overdue: none of 河西镇's
    expect(desktop.get_by_text("河西镇")).to_have_count(0)
    screenshot(desktop, "dashboard-cases-township")


def test_a_townships_overdue_count_opens_exactly_those_cases_and_the_export_matches(live_server, desktop, worked_cases, county_supervisor, screenshot):  # noqa: F811
    log_in(desktop, live_server, county_supervisor.username, TEST_PASSWORD)
    desktop.goto(f"{live_server.url}/cases/dashboard/")
    expect(desktop.locator("[data-chart='chart-trend'][data-drawn='true']")).to_be_visible()
    screenshot(desktop, "dashboard-cases-county")
    screen = table_rows(desktop, "regions")

    with desktop.expect_download() as download:
        desktop.get_by_test_id("export-regions").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    exported = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[:5] for row in exported] == [[row[0], *map(int, row[1:5])] for row in screen]
    assert [f"{row[5] * 100:.1f}%" if row[5] is not None else "—" for row in exported] == [row[5] for row in screen]

    township = desktop.locator("[data-testid='table-regions'] tbody tr", has_text="城关镇")
    township.locator("td").nth(3).get_by_role("link").click()
    expect(desktop.get_by_test_id("kept-filters")).to_contain_text("城关镇")
    listed = desktop.locator("[data-testid='cases'] tbody tr td:first-child code").all_inner_texts()
    assert sorted(listed) == sorted([worked_cases["c4"].number, worked_cases["c6"].number])
    screenshot(desktop, "dashboard-overdue-list")


def test_the_campaign_dashboard_draws_its_charts_and_drills_to_a_village(live_server, desktop, field, county_supervisor, screenshot):  # noqa: F811
    refused = []
    desktop.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(desktop, live_server, county_supervisor.username, TEST_PASSWORD)
    desktop.locator("#main-nav").get_by_role("link", name="活动看板").click()
    for chart in ("chart-coverage", "chart-kinds", "chart-days"):
        expect(desktop.locator(f"[data-chart='{chart}'][data-drawn='true'] svg")).to_be_visible()
    screenshot(desktop, "dashboard-campaign-county")
    desktop.locator("[data-testid='table-regions'] tbody").get_by_role("link", name="城关镇").click()
    desktop.locator("[data-testid='table-regions'] tbody").get_by_role("link", name="大坪村").click()
    expect(desktop.get_by_test_id("table-cadres")).to_contain_text("李干部")
    expect(desktop.get_by_test_id("breadcrumbs")).to_contain_text("清溪县")
    screenshot(desktop, "dashboard-campaign-village")
    assert refused == []  # the charts and the page run under the Content-Security-Policy
