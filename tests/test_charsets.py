"""Forms in other charsets than UTF-8, and bytes that are not text: GBK and GB18030 (real on Chinese phones) are read
in the charset they declare, on every form; a body that is not valid text in its declared (or default UTF-8) charset is
refused with a Chinese 400 page before any view, and nothing is stored — never replacement characters, never a 500.

Posted like a phone: the page is fetched first (CSRF cookie and token) and the checks are enforced, which is how
a GBK form once met Django's refusal of non-UTF-8 forms twice and answered a 500."""

import re
import uuid
from urllib.parse import quote_from_bytes, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Unit
from accounts.roles import Role
from campaigns.models import Household, Visit
from grievances import services
from grievances.models import Case, CaseCategory
from tests.campaigns.conftest import assign
from tests.clock import DAY
from tests.factories import TEST_PASSWORD, CampaignFactory, HouseholdFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

DIARY = "与户主拉家常，了解到村道路灯坏了，帮忙联系电工。"
BOUNDARY = "----outreach-charset-test"
REFUSED = "请求无法处理"  # the 400 page's heading
UNREADABLE = "不是有效的文字"  # its reason for a body that is not text in its charset


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    """The cadre, posted to 大坪村 this week."""
    today = timezone.localdate()
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=today - 2 * DAY, end_date=today + 4 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return cadre


@pytest.fixture
def households(regions):
    return HouseholdFactory.create_batch(3, village=regions["village_a"])


@pytest.fixture
def intake(regions):
    """A handler of the county petition office, who registers cases."""
    office = UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)
    return UserFactory(real_name="何受理", unit=office, roles=[Role.HANDLER])


@pytest.fixture
def case(intake, regions):
    return services.case_register(actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
                                  petitioner_phone="13812345678", village_id=regions["village_a"].code)


@pytest.fixture
def phone():
    return Client(enforce_csrf_checks=True)


def token(phone, url) -> str:
    page = phone.get(url)
    assert page.status_code == 200, url
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def urlencoded(fields: dict, charset: str) -> bytes:
    return urlencode(fields, doseq=True, encoding=charset).encode("ascii")


def multipart(fields: dict, charset: str) -> bytes:
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            raw = value if isinstance(value, bytes) else str(value).encode(charset)
            parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + raw + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(phone, url, body: bytes, kind: str, charset: str | None):
    content_type = "application/x-www-form-urlencoded" if kind == "urlencoded" else f"multipart/form-data; boundary={BOUNDARY}"
    # generic(): post() would re-encode the bytes into the declared charset itself
    return phone.generic("POST", url, body, content_type=content_type + (f"; charset={charset}" if charset else ""))


def encoded(kind: str, fields: dict, charset: str) -> bytes:
    return (urlencoded if kind == "urlencoded" else multipart)(fields, charset)


def visit_fields(phone, household, **extra) -> dict:
    return {
        "csrfmiddlewaretoken": token(phone, reverse("work:visit-new")), "client_id": str(uuid.uuid4()), "household": household.pk,
        "visited_on": timezone.localdate().isoformat(), "kinds": ["living"], "diary": DIARY,
        "demand-TOTAL_FORMS": "1", "demand-INITIAL_FORMS": "0", "demand-0-summary": "村道路灯损坏", "demand-0-type": "livelihood",
        "demand-0-head_count": "1", **extra,
    }


def stored() -> tuple:
    return (Visit.objects.count(), Case.objects.count(), Household.objects.count())


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
@pytest.mark.parametrize("charset", ["gbk", "GB2312", "gb18030"])
def test_a_visit_form_in_a_chinese_charset_stores_the_text_as_typed(phone, posted, households, kind, charset):
    phone.force_login(posted)
    fields = visit_fields(phone, households[0])
    response = post(phone, reverse("work:visit-new"), encoded(kind, fields, charset), kind, charset)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Visit.objects.get().diary == DIARY
    assert Case.objects.get().summary == "村道路灯损坏"


def test_a_gb18030_only_character_arrives_whole(phone, posted, households):
    """䶮 (as in 刘䶮) is outside GBK: GB18030 writes it in four bytes, and browsers read a "gbk" label as GB18030."""
    phone.force_login(posted)
    fields = visit_fields(phone, households[0], diary="走访刘䶮家，了解生产情况。")
    body = urlencoded(fields, "gb18030")
    assert post(phone, reverse("work:visit-new"), body, "urlencoded", "gbk").status_code == 302
    assert Visit.objects.get().diary == "走访刘䶮家，了解生产情况。"


NOT_TEXT = {
    # A phone that lost signal mid-character, its form percent-encoded: the diary ends in half a UTF-8 character.
    "urlencoded, cut UTF-8 escape": ("urlencoded", None, DIARY.encode() + b"\xe6\xb5"),
    # Raw bytes, not percent-encoded, that are no UTF-8 at all.
    "urlencoded, raw 0x80-0xFF": ("urlencoded", None, DIARY.encode() + bytes(range(0x80, 0x100))),
    "multipart, invalid UTF-8": ("multipart", None, DIARY.encode() + b"\xff\xfe\x80"),
    "multipart, declared UTF-8, sent GBK": ("multipart", "utf-8", DIARY.encode("gbk")),
    "urlencoded, declared GBK, not GBK": ("urlencoded", "gbk", DIARY.encode("gbk") + b"\xff"),
    "multipart, declared GBK, not GBK": ("multipart", "gbk", DIARY.encode("gbk") + b"\x81\x20"),
}


def raw_form(kind: str, fields: dict, charset: str | None, raw_diary: bytes, raw_escaped: bool) -> bytes:
    """The form with its diary as the given bytes: %-escaped (as browsers send) or raw."""
    if kind == "multipart":
        return multipart({**fields, "diary": raw_diary}, charset or "utf-8")
    diary = quote_from_bytes(raw_diary).encode() if raw_escaped else raw_diary
    return urlencoded(fields, charset or "utf-8") + b"&diary=" + diary


@pytest.mark.parametrize("case_name", NOT_TEXT)
def test_a_visit_form_that_is_not_text_in_its_charset_is_refused_and_nothing_stored(phone, posted, households, case_name,
                                                                                       django_assert_num_queries):
    kind, charset, raw_diary = NOT_TEXT[case_name]
    phone.force_login(posted)
    fields = visit_fields(phone, households[0])
    del fields["diary"]
    body = raw_form(kind, fields, charset, raw_diary, raw_escaped="raw" not in case_name)
    with django_assert_num_queries(0):  # refused before the session, the user or any view is read
        response = post(phone, reverse("work:visit-new"), body, kind, charset)
    assert response.status_code == 400
    page = response.content.decode()
    assert REFUSED in page and UNREADABLE in page
    assert stored() == (0, 0, 3)


# --- Every form people post, GBK-declared and broken -------------------------------------------------------------


def test_signing_in_with_a_gbk_form(phone, posted):
    fields = {"csrfmiddlewaretoken": token(phone, reverse("accounts:login")), "username": posted.username, "password": "错误的密码"}
    page = post(phone, reverse("accounts:login"), urlencoded(fields, "gbk"), "urlencoded", "gbk")
    assert page.status_code == 200 and "用户名或密码错误" in page.content.decode()  # read, and refused in Chinese
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 1

    fields = {**fields, "csrfmiddlewaretoken": token(phone, reverse("accounts:login")), "password": TEST_PASSWORD}
    signed_in = post(phone, reverse("accounts:login"), urlencoded(fields, "gbk"), "urlencoded", "gbk")
    assert signed_in.status_code == 302 and AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor=posted).exists()


def test_the_login_page_refuses_invalid_utf8(phone, posted):
    fields = {"csrfmiddlewaretoken": token(phone, reverse("accounts:login")), "password": "x"}
    before = AuditEntry.objects.count()
    response = post(phone, reverse("accounts:login"), urlencoded(fields, "utf-8") + b"&username=%E6%B5", "urlencoded", None)
    assert response.status_code == 400 and UNREADABLE in response.content.decode()
    assert AuditEntry.objects.count() == before  # not even a failed login: the form was never read


def test_the_public_lookup_reads_a_gbk_form_and_refuses_invalid_utf8(phone, case):
    fields = {"csrfmiddlewaretoken": token(phone, reverse("lookup")), "number": case.number, "phone_last4": "5678"}
    found = post(phone, reverse("lookup"), urlencoded(fields, "gbk"), "urlencoded", "gbk")
    assert found.status_code == 200 and case.number in found.content.decode() and "登记" in found.content.decode()

    fields["csrfmiddlewaretoken"] = token(phone, reverse("lookup"))
    broken = post(phone, reverse("lookup"), multipart({**fields, "number": case.number.encode() + b"\xc0"}, "utf-8"), "multipart", None)
    assert broken.status_code == 400 and UNREADABLE in broken.content.decode()


def case_fields(phone, regions, **extra) -> dict:
    return {
        "csrfmiddlewaretoken": token(phone, reverse("grievances:register")), "type": "petition", "source": "in_person",
        "category": CaseCategory.objects.get(name="低保分配").pk, "summary": "低保评定不公，要求复核", "petitioner_name": "李四",
        "petitioner_phone": "13900001111", "head_count": 1, "village": regions["village_a"].code, **extra,
    }


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_registering_a_case_with_a_gbk_form(phone, intake, regions, kind):
    phone.force_login(intake)
    response = post(phone, reverse("grievances:register"), encoded(kind, case_fields(phone, regions), "gbk"), kind, "gbk")
    assert response.status_code == 302
    assert Case.objects.values_list("summary", "petitioner_name").get() == ("低保评定不公，要求复核", "李四")


def test_case_registration_refuses_invalid_utf8(phone, intake, regions):
    phone.force_login(intake)
    body = urlencoded(case_fields(phone, regions, summary="x"), "utf-8") + b"&petitioner_name=" + "李".encode("gbk")
    response = post(phone, reverse("grievances:register"), body, "urlencoded", None)
    assert response.status_code == 400 and UNREADABLE in response.content.decode()
    assert not Case.objects.exists()


def household_fields(phone, **extra) -> dict:
    return {"csrfmiddlewaretoken": token(phone, reverse("work:household-new")), "number": "0777", "head_name": "欧阳新户",
            "members": 4, "address": "大坪村三组", "tags": ["poor"], **extra}


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_adding_a_household_with_a_gbk_form(phone, posted, kind):
    phone.force_login(posted)
    response = post(phone, reverse("work:household-new"), encoded(kind, household_fields(phone), "gbk"), kind, "gbk")
    assert response.status_code == 302, response.content.decode()[:800]
    assert Household.objects.values_list("head_name", "address").get() == ("欧阳新户", "大坪村三组")


def test_the_household_form_refuses_invalid_utf8(phone, posted):
    phone.force_login(posted)
    body = urlencoded(household_fields(phone), "utf-8").replace(b"head_name=", b"head_name=%B2%E2")  # GBK bytes of 测, as UTF-8
    response = post(phone, reverse("work:household-new"), body, "urlencoded", "utf-8")
    assert response.status_code == 400 and UNREADABLE in response.content.decode()
    assert not Household.objects.exists()


def test_an_unknown_charset_label_is_read_as_utf8_and_held_to_it(phone, posted, households):
    phone.force_login(posted)
    fields = visit_fields(phone, households[0])
    assert post(phone, reverse("work:visit-new"), urlencoded(fields, "utf-8"), "urlencoded", "x-no-such-charset").status_code == 302
    assert Visit.objects.get().diary == DIARY
