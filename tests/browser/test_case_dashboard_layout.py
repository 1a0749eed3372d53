"""At 1366 × 768 the case dashboard's 已超期 and 挂牌督办 lists show every column, 剩余天数 included,
inside the window and inside their table's box (no sideways scrolling to find it)."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import categories, intake, petition_office, worked_cases  # noqa: F401 - fixtures

from .conftest import DESKTOP, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def box(locator):
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def inside(inner, outer, slack=0.5):
    return (inner["x"] >= outer["x"] - slack and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] >= outer["y"] - slack and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


@pytest.mark.parametrize("key", ["overdue", "supervised"])
def test_the_days_left_column_is_fully_visible_at_1366(live_server, desktop, worked_cases, county_supervisor, screenshot, key):  # noqa: F811
    log_in(desktop, live_server, county_supervisor.username, TEST_PASSWORD)
    desktop.goto(f"{live_server.url}/cases/dashboard/")
    table = desktop.get_by_test_id(f"table-{key}")
    header = table.locator("thead th").last
    expect(header).to_have_text("剩余天数")
    value = table.locator("tbody tr").first.locator("td").last
    expect(value).to_have_text(re.compile(r"^-?\d+$"))  # the overdue ones count below zero; a supervised one may have days left

    container = table.locator(".table-responsive")
    width = DESKTOP["viewport"]["width"]
    for cell in (header, value):
        cell_box, container_box = box(cell), box(container)
        assert inside(cell_box, container_box), (key, cell_box, container_box)
        assert cell_box["x"] >= 0 and cell_box["x"] + cell_box["width"] <= width, (key, cell_box)
    # Nothing hidden to the side: the table is no wider than its box.
    assert container.evaluate("el => el.scrollWidth <= el.clientWidth"), key
    screenshot(desktop, f"dashboard-cases-{key}-1366")
