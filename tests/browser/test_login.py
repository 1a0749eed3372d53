import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, HouseholdFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cadre_logs_in_on_a_phone_and_sees_their_home(live_server, phone, cadre, screenshot):
    phone.goto(f"{live_server.url}/")
    expect(phone).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    # The vendored stylesheet is served and applied (no CDN): Bootstrap's card has a border radius.
    expect(phone.locator(".card").first).to_have_css("border-top-left-radius", "6px")
    screenshot(phone, "login-phone")

    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone.get_by_role("heading", name="我的工作")).to_be_visible()  # a cadre lands on their work, not the home page
    expect(phone).to_have_url(f"{live_server.url}/work/")

    phone.goto(f"{live_server.url}/")
    expect(phone.get_by_role("heading", name="您好，李干部")).to_be_visible()
    expect(phone.get_by_test_id("cadre-section")).to_contain_text("我的驻村工作")
    expect(phone.get_by_test_id("roles")).to_contain_text("下派干部")
    screenshot(phone, "home-cadre-phone")

    # On a phone the menu folds away behind the toggler.
    phone.get_by_role("button", name="菜单").click()
    phone.get_by_role("button", name="退出").click()
    expect(phone.get_by_role("heading", name="登录")).to_be_visible()


def test_a_wrong_password_shows_a_chinese_message(live_server, phone, cadre):
    log_in(phone, live_server, cadre.username, "not-the-password")
    expect(phone.get_by_role("alert")).to_contain_text("用户名或密码错误")


def test_a_township_supervisor_sees_their_townships_numbers(live_server, desktop, supervisor, regions, screenshot):
    HouseholdFactory.create_batch(4, village=regions["village_a"])
    HouseholdFactory.create_batch(9, village=regions["village_b"])

    log_in(desktop, live_server, supervisor.username, TEST_PASSWORD)

    expect(desktop.get_by_test_id("jurisdiction-section")).to_contain_text("城关镇概况")
    expect(desktop.get_by_test_id("count-households")).to_have_text("4")
    screenshot(desktop, "home-supervisor-desktop")


def test_five_wrong_passwords_show_the_lockout_message(live_server, phone, cadre, screenshot):
    for _ in range(5):
        log_in(phone, live_server, cadre.username, "Wrong-password-1")
    expect(phone.get_by_test_id("locked-out")).to_contain_text("连续 5 次登录失败")
    expect(phone.get_by_test_id("locked-out")).to_contain_text("锁定 30 分钟")
    screenshot(phone, "login-locked-phone")
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)  # the right password does not help now
    expect(phone.get_by_test_id("locked-out")).to_be_visible()


@pytest.mark.two_factor
def test_a_supervisor_sets_up_two_factor_login_in_the_browser(live_server, desktop, supervisor, screenshot):
    import base64

    from django_otp.oath import TOTP

    log_in(desktop, live_server, supervisor.username, TEST_PASSWORD)
    expect(desktop.get_by_role("heading", name="开启双因子登录")).to_be_visible()
    expect(desktop.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    screenshot(desktop, "two-factor-setup")
    key = desktop.get_by_test_id("otp-key").inner_text()  # what a person types into the app
    desktop.get_by_label("身份验证器上的动态码").fill(f"{TOTP(base64.b32decode(key)).token():06d}")
    desktop.get_by_role("button", name="确认并继续").click()
    expect(desktop.get_by_text("双因子登录已开启")).to_be_visible()
    assert TOTPDevice.objects.get(user=supervisor).confirmed
