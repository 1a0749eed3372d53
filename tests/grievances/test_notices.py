"""#20: the texts the petitioner is owed (grievances/notices.py) — registered, accepted or not, transferred, extended,
answered — each once, to the phone on the case, through the loopback Alibaba Cloud SMS server, and on the timeline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from grievances import reminders, services
from grievances.models import Case, Delivery, PetitionerNotice, SmsTemplate
from tests.clock import NOW, TODAY
from tests.factories import UnitFactory, UserFactory
from tests.sms_providers import use_provider

PHONE = "13812345678"  # the case fixture's petitioner
TEMPLATES = {"registered": "number,link", "accepted": "number,due", "not_accepted": "number,reason", "transferred": "number,unit",
             "extended": "number,reason,due", "answered": "number,link"}


@pytest.fixture
def provider(settings):
    server = use_provider(settings, "aliyun", "LTAI5tNotices", "notices-secret")
    settings.DELIVERY_BACKOFF_SECONDS = 1
    settings.PUBLIC_BASE_URL = "https://xf.qingxi.gov.cn"
    for n, (purpose, parameters) in enumerate(TEMPLATES.items()):
        SmsTemplate.objects.create(provider="aliyun", purpose=purpose, code=f"SMS_4651000{n}", parameters=parameters)
    yield server
    server.stop()


def sent(server) -> list[tuple[str, dict]]:
    """(template, parameters) of each text the provider took, after the dispatcher has run."""
    reminders.dispatch()
    codes = {t.code: t.purpose for t in SmsTemplate.objects.all()}
    return [(codes[m["template"]], m["params"]) for m in server.received if m["phone"] == PHONE]


def test_each_move_the_law_names_texts_the_petitioner_once_with_what_it_must_say(provider, intake, unit_a, leader, handler, regions):
    case = services.case_register(actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
                                  petitioner_phone=PHONE, village_id=regions["village_a"].code, now=NOW)
    link = f"https://xf.qingxi.gov.cn/lookup/?number={case.number}"
    assert sent(provider) == [("registered", {"number": case.number, "link": link})]
    services.case_accept(actor=intake, case_id=case.pk, now=NOW)
    services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])  # not a notice
    services.case_start(actor=handler, case_id=case.pk)  # nor this
    due = (TODAY + datetime.timedelta(days=60)).isoformat()
    assert sent(provider)[1:] == [("accepted", {"number": case.number, "due": due})]

    other_unit = UnitFactory(name="县自然资源局", region=regions["county"])
    services.case_transfer(actor=handler, case_id=case.pk, unit=other_unit, note="属国土部门职责")  # asked, not yet taken
    other_handler = UserFactory(unit=other_unit, roles=[Role.HANDLER])
    services.case_accept_transfer(actor=other_handler, case_id=case.pk)
    services.case_extend(actor=leader, case_id=case.pk, days=30, reason="需现场勘测")
    services.case_resolve(actor=other_handler, case_id=case.pk, outcome=Case.Outcome.SOLVED, reply="已重新丈量并调解")
    later = (TODAY + datetime.timedelta(days=90)).isoformat()
    assert sent(provider)[2:] == [("transferred", {"number": case.number, "unit": "县自然资源局"}),
                                  ("extended", {"number": case.number, "reason": "需现场勘测", "due": later}),
                                  ("answered", {"number": case.number, "link": link})]
    assert len(sent(provider)) == 5  # each once, however often the dispatcher runs
    assert not provider.refused


def test_a_case_not_accepted_tells_why(provider, case, intake):
    services.case_reject(actor=intake, case_id=case.pk, reason="不属于信访事项，请向人民法院起诉")
    assert sent(provider)[-1] == ("not_accepted", {"number": case.number, "reason": "不属于信访事项，请向人民法院起诉"})


def test_no_phone_no_notice_and_no_template_no_text(provider, intake, regions):
    services.case_register(actor=intake, type="petition", source="in_person", summary="来访", petitioner_name="李秀英",
                           village_id=regions["village_a"].code, now=NOW)
    assert not PetitionerNotice.objects.exists()
    SmsTemplate.objects.filter(purpose="registered").delete()
    case = services.case_register(actor=intake, type="petition", source="in_person", summary="来访", petitioner_name="李秀英",
                                  petitioner_phone=PHONE, village_id=regions["village_a"].code, now=NOW)
    assert PetitionerNotice.objects.get(case=case).kind == "registered" and not Delivery.objects.filter(notice__case=case).exists()


def test_the_timeline_says_how_each_text_went(client, provider, case, intake):
    client.force_login(intake)
    page = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    assert "短信待发送" in page
    provider.fail_next("500")
    reminders.dispatch()
    assert "InternalError" in client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    reminders.dispatch(now=timezone.now() + datetime.timedelta(seconds=5))
    page = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    assert "短信告知信访人。" in page and len(provider.received) == 1
