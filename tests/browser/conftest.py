import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.context_processors import KEPT_PAGES

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# A phone in China: its clock says what the server's (frozen, tests/clock.py) says, in its time zone.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "timezone_id": "Asia/Shanghai", "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="session", autouse=True)
def _database_calls_beside_playwrights_event_loop():
    """Playwright's sync API leaves an event loop running in the main thread from the first browser test
    on, and Django's async-safety check then refuses every query, the teardown's flush included. The check
    is lifted from the first browser test to the end of the session only: browser tests run last
    (tests/conftest.py), so every other test keeps it."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(autouse=True)
def _static_files_from_the_source(settings):
    # The live server serves static files from the finders, which know no hashed (manifest) names.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def screenshot():
    """Save a PNG under var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    context.clock.set_system_time(timezone.now())  # the phone's time runs on from the server's
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP)
    yield context.new_page()
    context.close()


def wait_until_kept(page):
    """The app's service worker has kept every page a cadre needs without signal (context_processors.KEPT_PAGES)."""
    expect(page.locator(f"body[data-offline-ready='{len(KEPT_PAGES)}']")).to_have_count(1, timeout=20_000)


def log_in(page, live_server, username: str, password: str):
    page.goto(f"{live_server.url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
