"""#20, on a phone: a petitioner submits a matter on the public form — the village from the county's list, a photo, the
phone proved with a code texted by the loopback Tencent Cloud SMS server — gets the case number on the page and by
text, and the county petition office finds the case in its intake list."""

import pytest
from playwright.sync_api import expect

from grievances import reminders
from grievances.models import Case, SmsTemplate
from tests.factories import TEST_PASSWORD
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures
from tests.sms_providers import use_provider

from .conftest import DESKTOP, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_NUMBER = "13987654321"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def provider(settings):
    server = use_provider(settings, "tencent", "AKIDBrowser", "browser-secret")
    settings.PUBLIC_BASE_URL = "https://xf.qingxi.gov.cn"
    SmsTemplate.objects.create(provider="tencent", purpose=SmsTemplate.Purpose.CODE, code="2000001", parameters="code")
    SmsTemplate.objects.create(provider="tencent", purpose=SmsTemplate.Purpose.REGISTERED, code="2000002", parameters="number,link")
    yield server
    server.stop()


def test_a_matter_submitted_online_reaches_the_intake_list_and_the_number_is_texted(live_server, phone, browser, provider, regions,
                                                                                 intake, screenshot):  # noqa: F811
    phone.goto(f"{live_server.url}/submit/")
    phone.get_by_label("民生诉求").check()
    phone.get_by_label("村（社区）").select_option(label="大坪村")
    phone.get_by_label("反映的问题和诉求").fill("村口的路灯坏了三个月，晚上出行不便，请帮忙修好")
    phone.get_by_label("您的姓名").fill("赵秀英")
    phone.get_by_label("您的手机号码").fill(PHONE_NUMBER)
    phone.get_by_label("照片（选填").set_input_files([{"name": "路灯.png", "mimeType": "image/png", "buffer": PNG}])

    phone.get_by_test_id("send-code").click()  # in the background: the form, photo included, stays as it is
    expect(phone.get_by_test_id("code-status")).to_contain_text("验证码已发送")
    expect(phone.get_by_test_id("send-code")).to_be_disabled()  # a minute before another
    (text,) = provider.received
    assert text["phone"] == PHONE_NUMBER
    phone.get_by_label("短信验证码").fill(text["params"][0])
    screenshot(phone, "online-submission-phone")
    phone.get_by_test_id("submit").click()

    number = phone.get_by_test_id("case-number")
    expect(number).to_have_text(Case.objects.get().number)
    screenshot(phone, "online-submission-done-phone")
    case = Case.objects.get()
    assert (case.source, case.status, case.village_id) == (Case.Source.ONLINE, Case.Status.REGISTERED, regions["village_a"].code)
    assert [a.name for a in case.events.get().attachments.all()] == ["路灯.png"]

    reminders.dispatch()  # the worker's job: the registration notice goes out
    assert provider.received[-1]["template"] == "2000002" and provider.received[-1]["params"][0] == case.number

    office = browser.new_context(**DESKTOP).new_page()
    log_in(office, live_server, intake.username, TEST_PASSWORD)
    office.goto(f"{live_server.url}/cases/?status=registered")
    row = office.get_by_test_id("case-row").filter(has_text=case.number)
    expect(row).to_contain_text("赵秀英")
    row.get_by_role("link", name=case.number).click()
    expect(office.get_by_test_id("timeline")).to_contain_text("信访人本人")
    screenshot(office, "online-submission-intake-desktop")
