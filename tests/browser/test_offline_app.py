"""#18, first step: the cadre pages open without signal once they were opened with it (the app's service
worker keeps them), nothing kept holds a full phone or ID number, and logging out forgets them."""

import datetime

import pytest
from playwright.sync_api import expect

from campaigns.models import Pairing, Visit
from tests.campaigns.conftest import assign
from tests.clock import TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory

from .conftest import log_in, wait_until_kept

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
    wait_until_kept(phone)
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
    phone.goto(f"{live_server.url}/work/households/{household.pk}/")  # never opened with signal: from the village bundle
    expect(phone.get_by_test_id("village-offline")).to_be_visible()
    expect(phone.get_by_test_id("phone")).to_have_text("138****5678")
    phone.goto(f"{live_server.url}/work/ledger/1/")  # a page that was never kept
    expect(phone.get_by_test_id("offline")).to_be_visible()
    screenshot(phone, "offline-page-not-kept-phone")

    kept = phone.evaluate(KEPT_TEXTS)
    assert any("大坪村" in text for text in kept) and any('"head_name":"王建国"' in text for text in kept)  # the bundle too
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
    wait_until_kept(phone)
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
    wait_until_kept(phone)
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


def test_every_household_of_the_village_opens_offline_from_the_bundle_and_what_is_done_there_syncs_once(
        live_server, phone, campaign_admin, cadre, regions, screenshot):
    """A village of 60 households: no household page was opened with signal, yet each can be found, opened,
    visited, paired with and edited without signal, and all of it goes up once when the signal returns."""
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=1),
                               end_date=TODAY + datetime.timedelta(days=5))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    for number in range(1, 58):
        HouseholdFactory(village=regions["village_a"], number=f"{number:03}", head_name=f"村民{number:03}", address=f"大坪村{number % 6}组")
    far = HouseholdFactory(village=regions["village_a"], number="061", head_name="赵四", phone=PHONE, address="大坪村后山",
                           help_needed="屋顶漏雨，需要修缮。")
    other = HouseholdFactory(village=regions["village_a"], number="062", head_name="钱五", address="大坪村河边")
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    wait_until_kept(phone)

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/work/households/")
    phone.get_by_label("搜索农户", exact=True).fill("赵四")
    phone.get_by_label("搜索农户", exact=True).press("Enter")
    expect(phone.get_by_test_id("households").get_by_role("link")).to_have_count(1)
    screenshot(phone, "offline-village-search-phone")
    phone.get_by_role("link", name="赵四").click()
    expect(phone.get_by_test_id("phone")).to_have_text("138****5678")
    expect(phone.get_by_text("屋顶漏雨，需要修缮。")).to_be_visible()
    screenshot(phone, "offline-household-page-phone")

    phone.get_by_label("与该户结对：帮扶需求").fill("修缮屋顶")
    phone.get_by_role("button", name="结对帮扶").click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("1")
    phone.get_by_role("link", name="记录对该户的走访").click()
    expect(phone.get_by_label("农户", exact=True)).to_have_value(str(far.pk))  # put into the drop-down from the bundle
    phone.get_by_label("民情日记").fill("看了赵四家的屋顶，雨季前要修。")
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("2")

    phone.goto(f"{live_server.url}/work/visits/new/")  # the picker searches the village on the phone
    phone.get_by_placeholder("搜索：户编号、户主姓名或地址").fill("河边")
    phone.get_by_role("button", name="钱五").click()
    expect(phone.get_by_label("农户", exact=True)).to_have_value(str(other.pk))
    phone.get_by_label("民情日记").fill("到钱五家了解河边护栏的情况。")
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("3")

    phone.goto(f"{live_server.url}/work/households/{far.pk}/edit/")  # the form, filled from the bundle
    expect(phone.get_by_role("textbox", name="户主")).to_have_value("赵四")
    expect(phone.get_by_label("联系电话")).to_have_value("")  # never the masked phone
    phone.get_by_label("帮扶需求").fill("屋顶漏雨，已联系村里安排修缮。")
    phone.get_by_role("button", name="保存", exact=True).click()
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("4")
    assert not Visit.objects.exists()

    phone.context.set_offline(False)
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden(timeout=30_000)
    assert sorted(Visit.objects.values_list("household__head_name", flat=True)) == ["赵四", "钱五"]
    assert Pairing.objects.get().household == far
    far.refresh_from_db()
    assert (far.help_needed, far.phone, far.version) == ("屋顶漏雨，已联系村里安排修缮。", PHONE, 2)
