"""#20: the petitioner rates their answered case on the lookup page, once, with the lookup credentials and a one-time
code texted to the phone on the case (grievances/petitioner.py); 不满意 opens the 复查 the law gives; 满意率 tells
the petitioners' own ratings from those staff recorded."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from grievances import rates, services
from grievances.models import Case, CaseEvent, LookupCode, SmsTemplate
from tests.clock import DAY, TODAY
from tests.sms_providers import use_provider

LOOKUP = reverse("lookup")


@pytest.fixture
def provider(settings):
    server = use_provider(settings, "aliyun", "LTAI5tCodes", "codes-secret")
    SmsTemplate.objects.create(provider="aliyun", purpose=SmsTemplate.Purpose.CODE, code="SMS_465200001", parameters="code")
    yield server
    server.stop()


@pytest.fixture
def answered(assigned, handler):
    services.case_start(actor=handler, case_id=assigned.pk)
    return services.case_resolve(actor=handler, case_id=assigned.pk, outcome=Case.Outcome.SOLVED, reply="已重新丈量，界桩已埋设")


def look(client, case, **extra):
    return client.post(LOOKUP, {"number": case.number, "phone_last4": case.petitioner_phone[-4:], **extra})


def last_code(server) -> str:
    return server.received[-1]["params"]["code"]


def test_the_petitioner_rates_once_with_the_code_texted_to_their_phone(client, provider, answered):
    page = look(client, answered).content.decode()
    assert 'data-testid="send-code"' in page and "尾号 5678" in page
    page = look(client, answered, action="code").content.decode()
    assert provider.received[-1]["phone"] == answered.petitioner_phone and 'data-testid="submit-rating"' in page
    code = last_code(provider)

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = look(client, answered, action="rate", code=wrong, satisfaction="satisfied").content.decode()
    assert "验证码不正确" in page and LookupCode.objects.get().attempts == 1
    page = look(client, answered, action="rate", code=code, satisfaction="fairly_satisfied", comment="处理及时").content.decode()
    assert 'data-testid="rated"' in page and 'data-testid="send-code"' not in page
    answered.refresh_from_db()
    assert (answered.satisfaction, answered.rated_by_petitioner, answered.status) == ("fairly_satisfied", True, Case.Status.EVALUATED)
    event = answered.events.get(action=CaseEvent.Action.EVALUATE)
    assert event.actor is None and event.note == "处理及时" and event.data["by_petitioner"]

    page = look(client, answered, action="rate", code=code, satisfaction="dissatisfied").content.decode()
    assert "目前不能评价" in page
    answered.refresh_from_db()
    assert answered.satisfaction == "fairly_satisfied"  # once


def test_codes_are_rationed_and_expire(client, provider, answered):
    look(client, answered, action="code")
    page = look(client, answered, action="code").content.decode()
    assert "不到一分钟" in page and len(provider.received) == 1
    code = last_code(provider)
    with time_machine.travel(datetime.timedelta(minutes=11)):
        page = look(client, answered, action="rate", code=code, satisfaction="satisfied").content.decode()
    assert "验证码已失效" in page
    answered.refresh_from_db()
    assert not answered.satisfaction


def test_dissatisfied_opens_the_review_the_law_gives(client, provider, answered):
    look(client, answered, action="code")
    page = look(client, answered, action="rate", code=last_code(provider), satisfaction="dissatisfied").content.decode()
    assert 'data-testid="review"' in page and "复查" in page
    page = look(client, answered, action="review").content.decode()  # not confirmed: nothing registered
    assert not answered.reviews.exists()
    page = look(client, answered, action="review", confirmed="1").content.decode()
    review = answered.reviews.get()
    assert review.stage == Case.Stage.REVIEW and review.number in page and 'data-testid="review"' not in page


def test_the_rates_tell_the_petitioners_own_ratings_from_those_staff_recorded(client, provider, answered, worked_cases):
    look(client, answered, action="code")
    look(client, answered, action="rate", code=last_code(provider), satisfaction="dissatisfied")
    counted = rates.rates_of(Case.objects.all())
    assert (counted.self_evaluated, counted.self_satisfied, counted.self_satisfaction) == (1, 0, 0.0)
    assert counted.evaluated == 3 and counted.satisfied == 1  # worked_cases' two staff-recorded ratings besides


def test_the_case_dashboard_shows_the_petitioners_own_ratings_and_lists_them(client, provider, answered, county_supervisor):
    look(client, answered, action="code")
    look(client, answered, action="rate", code=last_code(provider), satisfaction="satisfied")
    client.force_login(county_supervisor)
    table = client.get(reverse("dashboards:cases"), {"date_from": (TODAY - DAY).isoformat(), "date_to": TODAY.isoformat()}).context["tables"]["regions"]
    at = [str(header) for header in table.headers].index("信访人自评满意率")
    cell = table.rows[0][at]
    assert cell.value == 1.0
    listed = client.get(cell.url)
    assert listed.context["page"].paginator.count == 1 and listed.context["page"][0] == answered
