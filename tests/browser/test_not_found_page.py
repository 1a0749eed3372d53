"""`make run` serves with DEBUG on: a person who opens an address that does not exist sees the Chinese
404 page, as in production, not Django's English debug page."""

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from tests.factories import TEST_PASSWORD

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def debug_server(settings):
    """A live server of its own, started with DEBUG on as `make run` starts runserver (the shared
    live_server loaded its middleware with DEBUG off)."""
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    server = LiveServer("localhost:0")
    yield server
    server.stop()


def test_an_unknown_address_shows_the_chinese_404_page_with_debug_on(debug_server, desktop, campaign_admin, screenshot):
    response = desktop.goto(f"{debug_server.url}/no-such-page/")
    assert response.status == 404
    expect(desktop.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(desktop.get_by_text("Using the URLconf")).to_have_count(0)

    log_in(desktop, debug_server, campaign_admin.username, TEST_PASSWORD)
    response = desktop.goto(f"{debug_server.url}/campaigns/999999/")
    assert response.status == 404
    expect(desktop.get_by_role("heading", name="页面不存在")).to_be_visible()
    screenshot(desktop, "not-found-debug-desktop")
    desktop.get_by_role("link", name="返回首页").click()
    expect(desktop).to_have_url(f"{debug_server.url}/")
