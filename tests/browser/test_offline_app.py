"""#18, first step: the cadre pages open without signal once they were opened with it (the app's service
worker keeps them), nothing kept holds a full phone or ID number, and logging out forgets them."""

import datetime

import pytest
from playwright.sync_api import expect

from campaigns.models import Visit
from tests.campaigns.conftest import assign
from tests.clock import TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_NUMBER = "430102199001011234"
PHONE = "13812345678"

KEPT_TEXTS = """async () => {
    const texts = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) texts.push(await (await cache.match(request)).text());
    }
    return texts;
}"""


def test_the_cadre_pages_open_offline_once_opened_online_and_logging_out_forgets_them(live_server, phone, campaign_admin, cadre, regions, screenshot):
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=1),
                               end_date=TODAY + datetime.timedelta(days=5))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    household = HouseholdFactory(village=regions["village_a"], head_name="王建国", phone=PHONE, address="大坪村3组12号")
    household.set_id_number(ID_NUMBER)
    household.save()

    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone).to_have_url(f"{live_server.url}/work/")
    expect(phone.locator("body[data-offline-ready='5']")).to_have_count(1, timeout=20_000)  # the five pages are kept
    manifest = phone.request.get(f"{live_server.url}/work/manifest.webmanifest").json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/work/", "/work/", "standalone")

    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_test_id("assignment")).to_contain_text("大坪村")
    expect(phone.get_by_role("link", name="记录走访")).to_be_visible()
    phone.goto(f"{live_server.url}/work/visits/new/")
    expect(phone.get_by_label("民情日记")).to_be_visible()
    screenshot(phone, "offline-visit-form-phone")
    phone.goto(f"{live_server.url}/work/households/")
    expect(phone.get_by_role("link", name="王建国")).to_be_visible()
    phone.goto(f"{live_server.url}/work/households/{household.pk}/")  # never opened with signal
    expect(phone.get_by_test_id("offline")).to_be_visible()
    screenshot(phone, "offline-page-not-kept-phone")

    kept = phone.evaluate(KEPT_TEXTS)
    assert any("大坪村" in text for text in kept)
    assert not any(PHONE in text or ID_NUMBER in text for text in kept)

    phone.context.set_offline(False)
    phone.goto(f"{live_server.url}/work/")
    phone.get_by_role("button", name="菜单").click()
    phone.get_by_role("button", name="退出").click()
    expect(phone.get_by_label("用户名")).to_be_visible()
    assert phone.evaluate("async () => (await caches.keys()).length") == 0


def test_visits_saved_without_signal_wait_on_the_phone_and_go_up_once_when_it_returns(live_server, phone, campaign_admin, cadre, regions, screenshot):
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=1),
                               end_date=TODAY + datetime.timedelta(days=5))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    household = HouseholdFactory(village=regions["village_a"], head_name="王建国", address="大坪村3组12号")
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone.locator("body[data-offline-ready='5']")).to_have_count(1, timeout=20_000)
    phone.goto(f"{live_server.url}/work/visits/new/?household={household.pk}")

    phone.context.set_offline(True)
    phone.get_by_label("访生活状况").check()
    phone.get_by_label("民情日记").fill("没有信号时记下的走访：了解到灌溉水渠堵塞。")
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("outbox-kept")).to_contain_text("已保存在手机上，联网后自动上传")
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1")
    phone.get_by_role("button", name="保存走访").click()  # a second one, with no diary: the server will refuse it
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("2")
    screenshot(phone, "outbox-kept-phone")

    phone.reload()  # the page closed and opened again, still without signal: both still wait
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("2")
    assert not Visit.objects.exists()

    phone.context.set_offline(False)  # the phone's "online" event: the outbox sends by itself
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1", timeout=20_000)
    visit = Visit.objects.get()
    assert (visit.household, visit.diary) == (household, "没有信号时记下的走访：了解到灌溉水渠堵塞。")

    phone.goto(f"{live_server.url}/work/outbox/")
    entry = phone.get_by_test_id("outbox-list").locator("li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("未被接收：民情日记")
    screenshot(phone, "outbox-refused-phone")
    phone.on("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="丢弃").click()
    expect(entry).to_have_count(0)
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden()
    assert Visit.objects.count() == 1  # sent once, however many times the outbox ran


def test_an_entry_kept_past_the_end_of_the_session_goes_up_after_the_same_cadre_logs_in_again_and_never_under_another(
        live_server, phone, campaign_admin, cadre, other_cadre, regions):
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=1),
                               end_date=TODAY + datetime.timedelta(days=5))
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    assign(campaign_admin, target, other_cadre)
    household = HouseholdFactory(village=regions["village_a"], head_name="王建国")
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    expect(phone.locator("body[data-offline-ready='5']")).to_have_count(1, timeout=20_000)
    phone.goto(f"{live_server.url}/work/visits/new/?household={household.pk}")
    phone.context.set_offline(True)
    phone.get_by_label("民情日记").fill("会话过期前在山里记下的走访。")
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1")

    # Logging out would make the phone forget the entry: it asks first, and "cancel" keeps everything.
    dialogs = []
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="菜单").click()
    phone.get_by_role("button", name="退出").click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1")
    assert dialogs and "1 条" in dialogs[0]

    phone.context.clear_cookies()  # the session ended while there was no signal
    with phone.expect_response(lambda response: "/work/outbox/session/" in response.url) as asked:
        phone.context.set_offline(False)
    assert asked.value.status == 302  # signed out: nothing is sent
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1")

    log_in(phone, live_server, other_cadre.username, TEST_PASSWORD)  # another cadre on the same phone
    with phone.expect_response(lambda response: "/work/outbox/session/" in response.url):
        phone.goto(f"{live_server.url}/work/")
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden()  # not theirs: not shown, not sent
    assert not Visit.objects.exists()

    phone.get_by_role("button", name="菜单").click()
    phone.get_by_role("button", name="退出").click()  # they log out: the phone forgets theirs, not the other cadre's
    expect(phone.get_by_label("用户名")).to_be_visible()
    assert phone.evaluate("async () => (await caches.keys()).includes('pages')") is False
    with phone.expect_response(lambda response: response.request.method == "POST" and "/work/visits/new/" in response.url,
                               timeout=20_000) as sent:
        log_in(phone, live_server, cadre.username, TEST_PASSWORD)  # the same cadre again: 我的工作 opens and the outbox sends
    assert sent.value.status == 201
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden()
    visit = Visit.objects.get()
    assert (visit.cadre, visit.diary) == (cadre, "会话过期前在山里记下的走访。")
