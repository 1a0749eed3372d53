"""The navbar's menu on a phone opens with our own small script (static/js/nav.js), not Bootstrap's bundle."""

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_toggler_opens_and_closes_the_menu_on_a_phone(live_server, phone, cadre):
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone.get_by_role("heading", name="我的工作")).to_be_visible()
    toggler, logout = phone.get_by_role("button", name="菜单"), phone.get_by_role("button", name="退出")
    expect(logout).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")

    toggler.click()
    expect(logout).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")

    toggler.click()
    expect(logout).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")
