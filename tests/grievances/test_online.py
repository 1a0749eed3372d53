"""#20 part 5: online submission (grievances/online.py). A petitioner with no account submits a matter on the public
form, proving the phone with a code texted by the (loopback) provider; the case lands as 登记 with source 网上 in the
petition office's intake list, and the number goes out by text. Codes and submissions are rationed."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grievances import reminders
from grievances.models import Case, CaseEvent, SmsTemplate, SubmissionCode
from tests.clock import NOW
from tests.sms_providers import use_provider

SUBMIT, CODE = reverse("submit"), reverse("submit-code")
PHONE = "13987654321"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def fresh_limits():
    """The per-address counts live in the cache (this process's Redis database): each test starts with none."""
    cache.clear()


@pytest.fixture
def provider(settings):
    server = use_provider(settings, "tencent", "AKIDOnline", "online-secret")
    settings.PUBLIC_BASE_URL = "https://xf.qingxi.gov.cn"
    SmsTemplate.objects.create(provider="tencent", purpose=SmsTemplate.Purpose.CODE, code="2000001", parameters="code")
    SmsTemplate.objects.create(provider="tencent", purpose=SmsTemplate.Purpose.REGISTERED, code="2000002", parameters="number,link")
    yield server
    server.stop()


def form(regions, **changes):
    return {"action": "submit", "type": Case.Type.LIVELIHOOD, "county": regions["county"].code, "village": regions["village_a"].code,
            "summary": "村口的路灯坏了三个月，晚上出行不便，请帮忙修好", "petitioner_name": "赵秀英", "phone": PHONE, **changes}


def texted_code(server) -> str:
    return server.received[-1]["params"][0]


def test_a_petitioner_submits_with_the_code_and_the_case_reaches_the_intake_list(client, provider, regions, intake):
    page = client.get(SUBMIT).content.decode()
    assert "大坪村" in page and "城关镇" in page  # the county's villages, by township (the only county is chosen)

    answer = client.post(CODE, {"phone": PHONE})
    assert answer.status_code == 200 and answer.json()["sent"] and provider.received[-1]["phone"] == PHONE
    photo = SimpleUploadedFile("路灯.png", PNG, content_type="image/png")
    done = client.post(SUBMIT, {**form(regions), "code": texted_code(provider), "photos": [photo]})
    case = Case.objects.get()
    assert done.status_code == 302 and case.number in client.get(done["Location"]).content.decode()
    assert (case.source, case.status, case.registered_by, case.petitioner_phone) == (Case.Source.ONLINE, Case.Status.REGISTERED, None, PHONE)
    registration = case.events.get()
    assert registration.action == CaseEvent.Action.REGISTER and registration.actor is None
    assert [a.name for a in registration.attachments.all()] == ["路灯.png"]

    client.force_login(intake)  # the county petition office: the case is in its list, waiting to be accepted
    listed = client.get(reverse("grievances:list"), {"source": "online"}).content.decode()
    assert case.number in listed
    detail = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    assert "信访人本人" in detail and "网上" in detail

    reminders.dispatch()  # the registration notice, by text, with the number and the lookup link
    assert provider.received[-1]["template"] == "2000002"
    assert provider.received[-1]["params"] == [case.number, f"https://xf.qingxi.gov.cn/lookup/?number={case.number}"]


def test_a_wrong_code_is_counted_and_nothing_is_saved(client, provider, regions):
    client.post(CODE, {"phone": PHONE})
    right = texted_code(provider)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    page = client.post(SUBMIT, {**form(regions), "code": wrong}).content.decode()
    assert "验证码不正确" in page and "村口的路灯坏了三个月" in page  # what was typed is still there
    assert not Case.objects.exists() and SubmissionCode.objects.get().attempts == 1
    for _ in range(4):
        client.post(SUBMIT, {**form(regions), "code": wrong})
    page = client.post(SUBMIT, {**form(regions), "code": right}).content.decode()
    assert "验证码已失效" in page and not Case.objects.exists()  # five wrong tries use the code up


def test_bad_input_is_answered_in_chinese(client, provider, regions):
    page = client.post(SUBMIT, {**form(regions, summary="太短", village="", phone="12345"), "code": "12"}).content.decode()
    assert "请从列表中选择" in page or "选择一个有效的选项" in page or "这个字段是必填项" in page
    assert "11 位手机号" in page and "6 位验证码" in page
    answer = client.post(CODE, {"phone": "abc"})
    assert answer.status_code == 400 and "手机号" in answer.json()["message"]
    client.post(CODE, {"phone": PHONE})
    not_a_photo = SimpleUploadedFile("x.png", b"GIF89a" + b"\x00" * 32, content_type="image/png")
    page = client.post(SUBMIT, {**form(regions), "code": texted_code(provider), "photos": [not_a_photo]}).content.decode()
    assert "不是 JPEG 或 PNG 照片" in page and not Case.objects.exists()


def test_codes_and_submissions_are_rationed_per_phone_and_per_address(client, provider, regions):
    assert client.post(CODE, {"phone": PHONE}).status_code == 200
    again = client.post(CODE, {"phone": PHONE})
    assert again.status_code == 429 and "不到一分钟" in again.json()["message"] and len(provider.received) == 1

    numbers = []
    for minute in range(1, 5):  # three submissions a day from one phone
        with time_machine.travel(NOW + datetime.timedelta(minutes=2 * minute)):
            client.post(CODE, {"phone": PHONE})
            answer = client.post(SUBMIT, {**form(regions, summary=f"第{minute}件：村里的水渠需要清淤，请安排"), "code": texted_code(provider)})
            numbers.append(answer.status_code)
    assert numbers == [302, 302, 302, 429] and Case.objects.count() == 3

    # From one address: twenty codes an hour, whatever the phones.
    codes = [client.post(CODE, {"phone": f"1390000{n:04d}"}).status_code for n in range(21)]
    assert codes.count(200) == 15 and codes[-1] == 429  # five of the hour's twenty went to PHONE above


def test_the_no_script_way_sends_the_code_and_keeps_what_was_typed(client, provider, regions):
    page = client.post(SUBMIT, {**form(regions), "action": "code"}).content.decode()
    assert "验证码已发送" in page and "村口的路灯坏了三个月" in page and "赵秀英" in page
    assert provider.received[-1]["phone"] == PHONE and not Case.objects.exists()


def test_without_the_code_nothing_is_said_of_the_phones_earlier_matters(client, provider, regions):
    """A stranger who types someone's number and any code learns neither how many matters the phone sent today nor
    which case a 复核 concluded: the code is checked first."""
    client.post(CODE, {"phone": PHONE})
    right = texted_code(provider)
    for n in range(3):
        with time_machine.travel(NOW + datetime.timedelta(minutes=2 * n + 2)):
            client.post(CODE, {"phone": PHONE})
            client.post(SUBMIT, {**form(regions, summary=f"第{n}件：村里的水渠需要清淤，请安排"), "code": texted_code(provider)})
    assert Case.objects.count() == 3
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    with time_machine.travel(NOW + datetime.timedelta(minutes=10)):
        client.post(CODE, {"phone": PHONE})
        page = client.post(SUBMIT, {**form(regions), "code": wrong})
    assert page.status_code == 200 and "验证码不正确" in page.content.decode() and "今天已提交" not in page.content.decode()
