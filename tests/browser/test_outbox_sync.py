"""#18: a day in the village without signal — a check-in, three visits (one with a photo, one with a demand) and a
household edit wait on the phone, survive the page being closed, and reach the server exactly once, through a
server error; an entry the server refuses is corrected and saved; a household changed meanwhile is not overwritten."""

import base64
import datetime
import struct

import pytest
from playwright.sync_api import expect

from campaigns import services
from campaigns.models import CheckIn, Household, HouseholdEdit, Visit, VisitPhoto
from grievances.models import Case
from tests.campaigns.conftest import assign
from tests.clock import TODAY
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory

from .conftest import log_in, wait_until_kept

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13812345678"
NEW_PHONE = "13987654321"
KEPT = "已保存在手机上，联网后自动上传"

OUTBOX_TEXT = """async () => {
    const store = idbKeyval.createStore("outreach-outbox", "entries");
    return JSON.stringify(await idbKeyval.entries(store));
}"""


@pytest.fixture
def village(campaign_admin, cadre, regions):
    campaign = CampaignFactory(name="本周三同四民", organiser_region=regions["county"], start_date=TODAY - datetime.timedelta(days=1),
                               end_date=TODAY + datetime.timedelta(days=5))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return [HouseholdFactory(village=regions["village_a"], number=f"00{n}", head_name=name, phone=PHONE, address=f"大坪村{n}组")
            for n, name in enumerate(["王建国", "李秀英", "张明"], start=1)]


CAMERA_PHOTO = """async () => {
    const canvas = new OffscreenCanvas(3000, 2250), context = canvas.getContext("2d");
    const pixels = context.createImageData(3000, 2250);
    for (let i = 0; i < pixels.data.length; i++) pixels.data[i] = i % 4 === 3 ? 255 : (i * 2654435761 >>> 24) & 255;
    context.putImageData(pixels, 0, 0);
    const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
}"""


def a_large_photo(phone, tmp_path):
    """A 3000 × 2250 photo as a phone's camera makes it: a JPEG of some megabytes (noise hardly compresses)."""
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(base64.b64decode(phone.evaluate(CAMERA_PHOTO)))
    assert path.stat().st_size > 1_000_000
    return path


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's frame header."""
    at = 2
    while at < len(data):
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise ValueError("no frame header")


def save_visit(phone, live_server, household, diary, *, demand="", photo=None):
    phone.goto(f"{live_server.url}/work/visits/new/")
    phone.get_by_label("农户", exact=True).select_option(str(household.pk))
    phone.get_by_label("访生活状况").check()
    phone.get_by_label("民情日记").fill(diary)
    if demand:
        phone.get_by_test_id("add-demand").click()
        phone.get_by_label("群众诉求").fill(demand)
    if photo:
        phone.get_by_label("照片（JPEG 或 PNG，最多 3 张，每张不超过 5 MB）").set_input_files(photo)
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("outbox-kept")).to_contain_text(KEPT, timeout=20_000)


def test_a_day_without_signal_reaches_the_server_once_through_a_server_error(live_server, phone, cadre, village, tmp_path, monkeypatch, screenshot):
    wang, li, zhang = village
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    wait_until_kept(phone)
    phone.goto(f"{live_server.url}/work/households/{zhang.pk}/edit/")  # opened once with signal: the phone keeps it

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/work/")
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_test_id("outbox-kept")).to_contain_text(KEPT)
    save_visit(phone, live_server, wang, "在王建国家了解到灌溉水渠堵塞。", photo=a_large_photo(phone, tmp_path))
    save_visit(phone, live_server, li, "李秀英反映村道路灯坏了。", demand="村道路灯损坏，夜间出行不便")
    save_visit(phone, live_server, zhang, "张明家春耕备耕情况良好。")
    phone.goto(f"{live_server.url}/work/households/{zhang.pk}/edit/")
    phone.get_by_label("帮扶需求").fill("需要化肥和技术指导")
    phone.get_by_label("联系电话").fill(NEW_PHONE)  # typed, but a full phone number is never kept on the phone
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_test_id("outbox-kept")).to_contain_text("身份证号和电话不保存在手机上")
    expect(phone.get_by_test_id("outbox-badge")).to_contain_text("5")
    kept = phone.evaluate(OUTBOX_TEXT)
    assert "需要化肥和技术指导" in kept and NEW_PHONE not in kept and PHONE not in kept

    phone.close()  # the page is closed; the cadre opens the app again later, still without signal
    phone = phone.context.new_page()
    phone.goto(f"{live_server.url}/work/outbox/")
    entries = phone.get_by_test_id("outbox-list").locator("li")
    expect(entries).to_have_count(5)
    expect(entries.first).to_contain_text("签到")
    screenshot(phone, "outbox-five-waiting-phone")
    assert not (Visit.objects.exists() or CheckIn.objects.exists())

    # Signal returns, and the server fails on the first visit it is sent: that one and those after it wait.
    real_record, calls = services.visit_record, []
    def failing_once(**kwargs):
        calls.append(kwargs["diary"])
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real_record(**kwargs)
    monkeypatch.setattr(services, "visit_record", failing_once)
    with phone.expect_response(lambda response: response.status == 500, timeout=20_000):
        phone.context.set_offline(False)
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden(timeout=30_000)  # tried again by itself: all went up

    assert CheckIn.objects.filter(cadre=cadre).count() == 1
    visits = Visit.objects.order_by("pk")
    assert [v.household for v in visits] == [wang, li, zhang] and len(calls) == 4  # once each, after the one failure
    assert all(v.phone_recorded_at and v.phone_recorded_at <= v.recorded_at for v in visits)
    photo = VisitPhoto.objects.get(visit=visits[0])
    stored = photo.image.open("rb").read()
    assert photo.content_type == "image/jpeg" and max(jpeg_size(stored)) <= 1600
    assert photo.size <= 330 * 1024, photo.size  # about 300 KB, from some megabytes
    assert Case.objects.get().summary == "村道路灯损坏，夜间出行不便" and Case.objects.get().visit == visits[1]
    zhang.refresh_from_db()
    assert (zhang.help_needed, zhang.phone, zhang.version) == ("需要化肥和技术指导", PHONE, 2)


def test_a_refused_visit_keeps_its_reason_until_corrected_and_then_goes_up_once(live_server, phone, cadre, village, screenshot):
    wang, li, _zhang = village
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    wait_until_kept(phone)
    phone.context.set_offline(True)
    save_visit(phone, live_server, wang, "王建国家：房屋漏雨，需要修缮。")
    Household.objects.filter(pk=wang.pk).delete()  # removed from the roster by the campaign office meanwhile

    phone.context.set_offline(False)
    phone.goto(f"{live_server.url}/work/outbox/")
    entry = phone.get_by_test_id("outbox-list").locator("li")
    expect(entry).to_contain_text("未被接收：农户", timeout=20_000)
    phone.reload()
    expect(entry).to_contain_text("未被接收：农户")  # kept with its reason
    screenshot(phone, "outbox-refused-reason-phone")

    entry.get_by_role("button", name="修改后重新保存").click()
    expect(phone.get_by_test_id("outbox-correcting")).to_contain_text("未被接收")
    expect(phone.get_by_label("民情日记")).to_have_value("王建国家：房屋漏雨，需要修缮。")
    phone.get_by_label("农户", exact=True).select_option(str(li.pk))
    phone.get_by_role("button", name="保存走访").click()
    expect(phone.get_by_test_id("diary")).to_contain_text("房屋漏雨")  # saved: the visit's page
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden()
    visit = Visit.objects.get()
    assert (visit.household, visit.diary) == (li, "王建国家：房屋漏雨，需要修缮。")


def test_a_household_changed_by_someone_else_meanwhile_shows_both_versions_to_choose(live_server, phone, cadre, campaign_admin, village, screenshot):
    wang = village[0]
    log_in(phone, live_server, cadre.username, TEST_PASSWORD)
    wait_until_kept(phone)
    phone.goto(f"{live_server.url}/work/households/{wang.pk}/edit/")
    phone.context.set_offline(True)
    phone.reload()
    phone.get_by_label("帮扶需求").fill("需要化肥")
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_test_id("outbox-kept")).to_contain_text(KEPT)
    services.household_save(actor=campaign_admin, village_code=wang.village_id, household_id=wang.pk, data={"help_needed": "需要种子"})

    phone.context.set_offline(False)
    expect(phone.get_by_test_id("outbox-badge")).to_be_hidden(timeout=20_000)
    assert Household.objects.get(pk=wang.pk).help_needed == "需要种子"  # not overwritten
    phone.goto(f"{live_server.url}/work/households/{wang.pk}/")
    phone.get_by_test_id("household-conflict").get_by_role("link", name="请比较后选择").click()
    choice = phone.get_by_test_id("conflict-help_needed")
    expect(choice.get_by_test_id("server-value")).to_have_text("需要种子")
    expect(choice.get_by_test_id("phone-value")).to_have_text("需要化肥")
    screenshot(phone, "household-conflict-phone")
    choice.get_by_label("您在手机上填写的").check()
    phone.get_by_role("button", name="保留所选内容").click()
    expect(phone.get_by_test_id("household-conflict")).to_have_count(0)
    assert Household.objects.get(pk=wang.pk).help_needed == "需要化肥"
    assert HouseholdEdit.objects.get().state == HouseholdEdit.State.RESOLVED


def test_a_typical_visit_takes_at_most_ten_taps_from_login(live_server, phone, cadre, village):
    """One household, two of the 四访, a diary line and one 实事, with signal: each tap counted as a cadre makes it
    (typing into a field counts as the tap that brings it into focus; a drop-down is two: open, choose)."""
    wang = village[0]
    taps = 0

    def tap(action, *args, count=1):
        nonlocal taps
        taps += count
        action(*args)

    phone.goto(f"{live_server.url}/")
    expect(phone.get_by_label("用户名")).to_be_focused()  # typed into at once
    phone.keyboard.type(cadre.username)
    tap(phone.get_by_label("密码").fill, TEST_PASSWORD)
    tap(phone.get_by_role("button", name="登录").click)
    expect(phone).to_have_url(f"{live_server.url}/work/")
    buttons = phone.locator("main").locator("a.btn, button").filter(visible=True)
    expect(buttons.nth(0)).to_have_text("签到")
    expect(buttons.nth(1)).to_have_text("记录走访")
    tap(buttons.nth(1).click)
    tap(phone.get_by_label("农户", exact=True).select_option, str(wang.pk), count=2)
    tap(phone.get_by_label("访生活状况").check)
    tap(phone.get_by_label("访生产情况").check)
    tap(phone.get_by_label("民情日记").fill, "与王建国拉家常，了解春耕备耕情况。")
    tap(phone.get_by_label("所办实事").fill, "帮助联系农技员")
    tap(phone.get_by_role("button", name="保存走访").click)
    expect(phone.get_by_test_id("diary")).to_contain_text("春耕备耕")
    assert taps <= 10, taps
    visit = Visit.objects.get()
    assert (visit.household, sorted(visit.kinds), visit.deed) == (wang, ["living", "production"], "帮助联系农技员")
