"""#20, on a phone: the petitioner looks up their answered case, gets a one-time code by text message (the loopback
Alibaba Cloud SMS server), rates it 不满意, and is offered the 复查 the law gives."""

import pytest
from playwright.sync_api import expect

from grievances import services
from grievances.models import Case, SmsTemplate
from tests.grievances.conftest import assigned, case, categories, intake, petition_office  # noqa: F401 - fixtures
from tests.sms_providers import use_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings):
    server = use_provider(settings, "aliyun", "LTAI5tBrowser", "browser-secret")
    SmsTemplate.objects.create(provider="aliyun", purpose=SmsTemplate.Purpose.CODE, code="SMS_465200001", parameters="code")
    yield server
    server.stop()


@pytest.fixture
def answered(assigned, handler):  # noqa: F811
    services.case_start(actor=handler, case_id=assigned.pk)
    return services.case_resolve(actor=handler, case_id=assigned.pk, outcome=Case.Outcome.EXPLAINED, reply="经核查，界址以1998年确权图为准")


def test_a_petitioner_rates_their_case_with_a_texted_code_and_is_offered_a_review(live_server, phone, provider, answered, screenshot):
    phone.goto(f"{live_server.url}/lookup/")
    phone.get_by_label("案件编号").fill(answered.number)
    phone.get_by_label("您手机号的后 4 位").fill(answered.petitioner_phone[-4:])
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("rate")).to_contain_text("尾号 5678")

    phone.get_by_test_id("send-code").click()
    expect(phone.get_by_test_id("submit-rating")).to_be_visible()
    (text,) = provider.received
    assert text["phone"] == answered.petitioner_phone
    phone.get_by_label("短信验证码").fill(text["params"]["code"])
    phone.get_by_label("不满意").check()
    phone.get_by_label("意见建议（可不填）").fill("界址认定有误")
    screenshot(phone, "self-rating-phone")
    phone.get_by_test_id("submit-rating").click()

    expect(phone.get_by_test_id("rated")).to_be_visible()
    review = phone.get_by_test_id("review")
    expect(review).to_contain_text("复查")
    screenshot(phone, "self-rating-review-offered-phone")
    answered.refresh_from_db()
    assert (answered.satisfaction, answered.rated_by_petitioner) == ("dissatisfied", True)

    review.get_by_label("我请求对此答复进行复查。").check()
    phone.get_by_test_id("request-review").click()
    expect(phone.get_by_test_id("review-requested")).to_contain_text(answered.reviews.get().number)
