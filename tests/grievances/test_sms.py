"""#20: staff deadline reminders by text message through Alibaba Cloud SMS and Tencent Cloud SMS (grievances/sms.py),
against loopback servers that check each provider's request signing and parameters (tests/sms_providers.py);
quiet hours; DingTalk robots with 加签."""

import base64
import datetime
import hashlib
import hmac
import logging
import urllib.parse

import pytest
from django.utils import timezone

from grievances import reminders
from grievances.models import Delivery, NotificationPreference, SmsQuietHours, SmsTemplate, UnitWebhook
from tests.clock import DAY, TODAY, at
from tests.sms_providers import use_provider

from .test_reminders import due_in, robot, running  # noqa: F401 - fixtures

KEY_ID, SECRET, APP_ID = "LTAI5tTestKeyId", "test-secret-of-the-sms-account", "1400123456"
HANDLER_PHONE, LEADER_PHONE = "13900000001", "13900000002"


@pytest.fixture
def phones(running):  # noqa: F811 - the fixture
    """The handler and the leader have phones; only the handler wants text messages (the leader turned them off)."""
    running.handlers.update(phone=HANDLER_PHONE)
    running.leader.phone = LEADER_PHONE
    running.leader.save()
    NotificationPreference.objects.create(user=running.leader, sms=False)
    return running


@pytest.fixture
def provider(settings):
    """Start a provider's loopback server and point the settings at it: provider("aliyun") or provider("tencent")."""
    servers = []

    def start(name, *, secret=SECRET):
        servers.append(use_provider(settings, name, KEY_ID, SECRET, APP_ID))
        server = servers[-1]
        settings.SMS_ACCESS_KEY_SECRET = secret  # what the client signs with; the server knows SECRET
        settings.SMS_TIMEOUT_SECONDS, settings.DELIVERY_BACKOFF_SECONDS = 1, 1
        code = "SMS_465123456" if name == "aliyun" else "2251234"
        SmsTemplate.objects.create(provider=name, purpose=SmsTemplate.Purpose.REMINDER, code=code, parameters="number,deadline,state")
        return server

    yield start
    for server in servers:
        server.stop()


def texts():
    return Delivery.objects.filter(channel=Delivery.Channel.SMS)


def dispatch_until_sent(now, rounds=6):
    """Dispatch every 10 s of (frozen) time until the text is sent or the rounds run out."""
    for _ in range(rounds):
        reminders.dispatch(now=now)
        if not texts().exclude(status=Delivery.Status.SENT).exists():
            break
        now += datetime.timedelta(seconds=10)
    return texts().get()


@pytest.mark.parametrize("name", ["aliyun", "tencent"])
def test_a_reminder_is_texted_once_to_those_who_want_it_with_the_templates_parameters(phones, provider, name):
    server = provider(name)
    due_in(phones, 3, TODAY)
    reminders.sweep()
    reminders.sweep()
    assert texts().count() == 1  # the handler's; the leader turned texts off; a second sweep adds nothing
    reminders.dispatch()
    reminders.dispatch()
    (message,) = server.received
    assert message["phone"] == HANDLER_PHONE and message["sign_name"] == "清溪县信访局"
    values = [phones.number, "办结", f"于 {TODAY + 3 * DAY} 到期，还剩 3 天"]
    assert message["params"] == (dict(zip(["number", "deadline", "state"], values, strict=True)) if name == "aliyun" else values)
    assert texts().get().status == Delivery.Status.SENT and not server.refused


@pytest.mark.parametrize("name", ["aliyun", "tencent"])
@pytest.mark.parametrize(("trouble", "said"), [("500", "500"), ("timeout", "timed out"), ("rate_limit", "Limit")])
def test_provider_trouble_is_retried_with_backoff_and_the_text_arrives_once(phones, provider, name, trouble, said):
    server = provider(name)
    server.fail_next(trouble)
    due_in(phones, 3, TODAY)
    reminders.sweep()
    now = timezone.now()
    reminders.dispatch(now=now)
    first = texts().get()
    assert first.status == Delivery.Status.RETRYING and said.lower() in first.last_error.lower()
    delivered = dispatch_until_sent(now + datetime.timedelta(seconds=10))
    assert (delivered.status, delivered.attempts, delivered.last_error) == (Delivery.Status.SENT, 2, "")
    assert len(server.received) == 1
    assert not server.refused


@pytest.mark.parametrize(("name", "code"), [("aliyun", "SignatureDoesNotMatch"), ("tencent", "AuthFailure.SignatureFailure")])
def test_a_request_signed_with_the_wrong_secret_is_refused_and_recorded(phones, provider, name, code):
    server = provider(name, secret="not-the-secret")
    due_in(phones, 3, TODAY)
    reminders.sweep()
    reminders.dispatch()
    text = texts().get()
    assert text.status == Delivery.Status.RETRYING and code in text.last_error
    assert server.refused and not server.received


def test_texts_wait_out_the_quiet_hours_but_urgent_overdue_alerts_do_not(phones, provider):
    server = provider("tencent")
    late = at(TODAY, 23, 10)
    due_in(phones, 3, late.date())
    reminders.sweep(now=late)
    held = texts().get()
    assert held.next_attempt_at == at(TODAY + DAY, 7, 30)
    reminders.dispatch(now=late + datetime.timedelta(minutes=30))
    assert not server.received  # e-mails went; the text waits for the morning
    reminders.dispatch(now=at(TODAY + DAY, 7, 31))
    assert len(server.received) == 1

    SmsQuietHours.objects.create(overdue_is_urgent=True)
    due_in(phones, -1, late.date())
    reminders.sweep(now=late + datetime.timedelta(minutes=1))
    urgent = texts().exclude(pk=held.pk).get()
    assert urgent.next_attempt_at == late + datetime.timedelta(minutes=1)
    reminders.dispatch(now=late + datetime.timedelta(minutes=2))
    assert len(server.received) == 2 and "超期" in server.received[1]["params"][2]


def test_quiet_hours_may_be_set_within_one_day_too():
    daytime = SmsQuietHours(starts=datetime.time(12, 0), ends=datetime.time(14, 0))
    assert daytime.send_at(at(TODAY, 12, 30)) == at(TODAY, 14, 0)
    assert daytime.send_at(at(TODAY, 15, 0)) == at(TODAY, 15, 0)
    night = SmsQuietHours()
    assert night.send_at(at(TODAY, 6, 0)) == at(TODAY, 7, 30) and night.send_at(at(TODAY, 22, 0)) == at(TODAY + DAY, 7, 30)


def test_without_a_template_for_the_provider_no_text_is_planned(phones, settings):
    settings.SMS_PROVIDER = "aliyun"
    SmsTemplate.objects.create(provider="tencent", purpose=SmsTemplate.Purpose.REMINDER, code="1", parameters="number")
    due_in(phones, 3, TODAY)
    reminders.sweep()
    assert not texts().exists() and Delivery.objects.exists()


def test_the_log_provider_writes_the_text_with_a_masked_phone_and_sends_nothing(phones, caplog):
    SmsTemplate.objects.create(provider="log", purpose=SmsTemplate.Purpose.REMINDER, code="reminder", parameters="number,state")
    due_in(phones, 3, TODAY)
    reminders.sweep()
    with caplog.at_level(logging.INFO, logger="grievances.sms"):
        reminders.dispatch()
    assert texts().get().status == Delivery.Status.SENT
    (line,) = [r.getMessage() for r in caplog.records if r.name == "grievances.sms"]
    assert "139****0001" in line and HANDLER_PHONE not in line and phones.number in line


def test_a_dingtalk_robot_with_a_secret_gets_a_signed_address(phones, unit_a, robot):  # noqa: F811 - the fixture
    endpoint = robot()
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.DINGTALK, url=endpoint.url + "?access_token=abc", secret="SECtest")
    due_in(phones, 3, TODAY)
    reminders.sweep()
    reminders.dispatch()
    (path,) = endpoint.paths
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECtest", f"{stamp}\nSECtest".encode(), hashlib.sha256).digest()).decode()
    assert query["access_token"] == ["abc"] and sign == expected
    assert abs(int(stamp) / 1000 - timezone.now().timestamp()) < 60  # DingTalk refuses a timestamp over an hour off
