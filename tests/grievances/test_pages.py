"""Case pages: scoping by jurisdiction, unit and leadership; moves by POST; the list's query count; public lookup."""

import io
import uuid
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from grievances import services
from grievances.models import Case, CaseCategory
from tests.factories import UserFactory

from .conftest import NOW


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


def register(actor, village, **extra):
    data = {"type": "livelihood", "source": "phone", "summary": "路灯坏了", "petitioner_name": "王建国", "petitioner_phone": "13812345678"}
    return services.case_register(actor=actor, village_id=village.code, **{**data, **extra})


def test_registering_through_the_page(client, intake, regions):
    client.force_login(intake)
    category = CaseCategory.objects.get(name="低保分配")
    response = client.post(reverse("grievances:register"), {
        "type": "petition", "source": "in_person", "category": category.pk, "summary": "低保评定不公", "petitioner_name": "李四",
        "petitioner_phone": "13900001111", "head_count": 6, "village": regions["village_a"].code,
    }, follow=True)
    case = Case.objects.get()
    assert f"已登记，编号 {case.number}" in response.content.decode()
    assert case.is_collective and case.category == category


def test_a_handler_of_unit_a_cannot_open_or_move_unit_bs_case(client, assigned, regions, unit_b):
    other_handler = UserFactory(unit=unit_b, roles=[Role.HANDLER])
    client.force_login(other_handler)
    assert client.get(reverse("grievances:detail", args=[assigned.pk])).status_code == 404
    assert client.post(reverse("grievances:move", args=[assigned.pk, "start"])).status_code == 404
    assigned.refresh_from_db()
    assert assigned.status == Case.Status.ASSIGNED


def test_moves_by_post_show_up_on_the_timeline(client, assigned, handler, leader):
    client.force_login(handler)
    client.post(reverse("grievances:move", args=[assigned.pk, "start"]), {"start-note": "已联系信访人"})
    client.force_login(leader)
    page = client.post(reverse("grievances:move", args=[assigned.pk, "extend"]), {"extend-days": "20", "extend-reason": "需要鉴定"}, follow=True)
    html = page.content.decode()
    assert "已完成：批准延期" in html and "需要鉴定" in html
    assigned.refresh_from_db()
    assert (assigned.status, assigned.extension_days) == (Case.Status.IN_PROGRESS, 20)


def test_a_move_by_the_wrong_person_is_403(client, assigned, handler):
    client.force_login(handler)
    assert client.post(reverse("grievances:move", args=[assigned.pk, "extend"]), {"extend-days": "5", "extend-reason": "x"}).status_code == 403


def test_an_illegal_move_is_explained(client, case, intake):
    client.force_login(intake)
    page = client.post(reverse("grievances:move", args=[case.pk, "assign"]), {}, follow=True)
    assert page.status_code == 200 and Case.objects.get(pk=case.pk).status == Case.Status.REGISTERED


def test_the_case_page_shows_deadlines_with_their_articles(client, case, intake):
    client.force_login(intake)
    html = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    assert "《信访工作条例》第22、23条" in html and "5个工作日" in html


def test_lists_are_scoped_filtered_and_keep_their_query_count(client, intake, handler, leader, unit_a, regions, django_assert_max_num_queries):
    register(intake, regions["village_a"])
    client.force_login(intake)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("grievances:list"))
    for n in range(30):
        case = register(intake, regions["village_a" if n % 2 else "village_b"], petitioner_name=f"人{n}")
        if n % 2 and n % 3 == 0:  # cases of village A, for its township's unit
            services.case_accept(actor=intake, case_id=case.pk)
            services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("grievances:list"))
    assert page.context["page"].paginator.count == 31
    client.force_login(handler)
    mine = client.get(reverse("grievances:list"), {"tab": "mine"}).context["page"].paginator.count
    assert mine == 5
    client.force_login(leader)
    assert client.get(reverse("grievances:list"), {"tab": "led"}).context["page"].paginator.count == 5


def test_the_overdue_tab_and_the_export_match(client, intake, regions):
    import datetime

    late = register(intake, regions["village_a"], now=NOW - datetime.timedelta(days=30))
    register(intake, regions["village_a"])
    client.force_login(intake)
    listed = list(client.get(reverse("grievances:list"), {"tab": "overdue"}).context["page"].object_list)
    assert listed == [late]
    sheet = load_workbook(io.BytesIO(client.post(reverse("grievances:export") + "?tab=overdue", {"purpose": "casework"}).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and [r[0] for r in rows[1:]] == [late.number]
    assert rows[1][8] == "138****5678"


def test_the_public_lookup_shows_progress_without_personal_data(client, case, intake):
    services.case_accept(actor=intake, case_id=case.pk)
    page = client.post(reverse("lookup"), {"number": case.number.lower(), "phone_last4": "5678"})
    html = page.content.decode()
    assert case.number in html and "受理" in html
    assert "王建国" not in html and "13812345678" not in html and "宅基地" not in html


def test_the_public_lookup_says_the_same_for_every_miss_and_slows_down_guessing(client, case):
    wrong_digits = client.post(reverse("lookup"), {"number": case.number, "phone_last4": "0000"}).content.decode()
    unknown = client.post(reverse("lookup"), {"number": "XF-2026-999999", "phone_last4": "5678"}).content.decode()
    assert "没有与该编号和手机号后 4 位相符的案件" in wrong_digits and "没有与该编号和手机号后 4 位相符的案件" in unknown
    statuses = [client.post(reverse("lookup"), {"number": f"XF-2026-{n:06d}", "phone_last4": "0000"}).status_code for n in range(10)]
    assert statuses[-1] == 429


def test_the_three_rates_against_a_hand_count(client, intake, unit_a, leader, handler, regions):
    import datetime

    from grievances import selectors

    def worked(satisfaction=None, rejected=False, late=False):
        case = register(intake, regions["village_a"], now=NOW - datetime.timedelta(days=20) if late else NOW)
        if rejected:
            return services.case_reject(actor=intake, case_id=case.pk, reason="不属于信访事项")
        services.case_accept(actor=intake, case_id=case.pk)
        services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])
        if satisfaction is not None:
            services.case_start(actor=handler, case_id=case.pk)
            services.case_resolve(actor=handler, case_id=case.pk, outcome="solved", reply="已处理")
            if satisfaction:
                services.case_evaluate(actor=intake, case_id=case.pk, satisfaction=satisfaction)
        return case

    assert selectors.rates(Case.objects.all()).on_time_acceptance is None  # nothing yet: shown as —
    worked("satisfied"), worked("dissatisfied"), worked("fairly_satisfied"), worked(""), worked(), worked(rejected=True)
    register(intake, regions["village_a"], now=NOW - datetime.timedelta(days=20))  # waiting past its 15 days
    register(intake, regions["village_a"])  # still within its limit: not counted
    # The dashboards' definitions (grievances/rates.py), as shares: all six were answered on the day they came.
    rates = selectors.rates(Case.objects.all())
    assert (rates.answered_on_time, rates.due_for_answer, round(rates.on_time_acceptance, 3)) == (6, 7, 0.857)
    assert (rates.resolved, rates.accepted, rates.resolution) == (4, 5, 0.8)
    assert (rates.satisfied, rates.evaluated, round(rates.satisfaction, 3)) == (2, 3, 0.667)
    client.force_login(intake)
    html = client.get(reverse("grievances:list")).content.decode()
    assert "85.7%" in html and "80.0%" in html and "66.7%" in html


def test_the_rectification_ledger_groups_by_level_and_category(client, intake, regions):
    import datetime

    register(intake, regions["village_a"], now=NOW - datetime.timedelta(days=30))
    register(intake, regions["village_a"])
    client.force_login(intake)
    groups = client.get(reverse("grievances:rectification")).context["groups"]
    assert [(g["level_label"], g["category__name"], g["total"], g["overdue"], g["open"]) for g in groups] == [("村（社区）", "其他", 2, 1, 2)]
    sheet = load_workbook(io.BytesIO(client.get(reverse("grievances:rectification-export")).content)).active
    assert list(sheet.iter_rows(values_only=True))[1][:4] == ("村（社区）", "其他", 2, 1)


def test_a_supervisor_puts_a_case_under_supervision_and_a_unit_records_mediation(client, assigned, supervisor, other_supervisor, handler):
    client.force_login(other_supervisor)
    assert client.post(reverse("grievances:move", args=[assigned.pk, "supervise"])).status_code == 404
    client.force_login(supervisor)
    client.post(reverse("grievances:move", args=[assigned.pk, "supervise"]), {"supervise-note": "挂牌督办，月底前化解"})
    assigned.refresh_from_db()
    assert assigned.supervised and assigned.supervising_leader == supervisor
    Case.objects.filter(pk=assigned.pk).update(type=Case.Type.DISPUTE)  # mediation is for disputes
    client.force_login(handler)
    page = client.post(reverse("grievances:move", args=[assigned.pk, "mediate"]), {
        "mediate-kind": "peoples", "mediate-held_on": NOW.date().isoformat(), "mediate-mediator": "村调委会 张主任",
        "mediate-result": "agreed", "mediate-agreement": "双方同意按原界址重新砌墙",
    }, follow=True)
    assert "双方同意按原界址重新砌墙" in page.content.decode()
    assert assigned.mediations.get().result == "agreed"


def test_a_county_department_handler_is_not_an_intake_office(client, case, regions):
    from accounts.models import Unit
    from tests.factories import UnitFactory

    bureau = UnitFactory(name="县教育局", region=regions["county"], kind=Unit.Kind.GOVERNMENT)
    teacher = UserFactory(unit=bureau, roles=[Role.HANDLER])
    client.force_login(teacher)
    assert client.get(reverse("grievances:detail", args=[case.pk])).status_code == 404
    assert list(client.get(reverse("grievances:register")).context["form"].fields["village"].queryset) == []


def test_a_cadre_of_a_unit_does_not_see_its_cases(client, assigned, unit_a):
    cadre_of_unit = UserFactory(unit=unit_a, roles=[Role.CADRE])
    client.force_login(cadre_of_unit)
    assert client.get(reverse("grievances:detail", args=[assigned.pk])).status_code == 404


def test_odd_filter_values_are_ignored_not_500(client, intake, case):
    client.force_login(intake)
    assert client.get(reverse("grievances:list"), {"q": "\x00"}).status_code == 400
    for query in ({"due_within": "99999999"}, {"due_within": "²"}, {"category": "²"}, {"region": "abc"}):
        assert client.get(reverse("grievances:list"), query).status_code == 200
        assert client.post(reverse("grievances:export") + "?" + urlencode(query), {"purpose": "casework"}).status_code == 200


def test_one_case_number_cannot_be_walked_from_many_addresses(client, case):
    statuses = [
        client.post(reverse("lookup"), {"number": case.number, "phone_last4": f"{n:04d}"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(7)
    ]
    assert statuses[5:] == [429, 429]


def test_a_move_can_carry_a_document_shown_on_the_timeline_to_those_who_see_the_case(client, assigned, handler, unit_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(handler)
    page = client.post(reverse("grievances:move", args=[assigned.pk, "start"]),
                       {"start-note": "现场调查", "start-attachment": SimpleUploadedFile("调查笔录.pdf", b"%PDF-1.4 content")}, follow=True)
    html = page.content.decode()
    assert "调查笔录.pdf" in html
    attachment = assigned.events.get(action="start").attachments.get()
    assert attachment.content_type == "application/pdf" and "调查笔录" not in attachment.file.name
    url = reverse("grievances:attachment", args=[assigned.pk, attachment.pk])
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(unit=unit_b, roles=[Role.HANDLER]))
    assert client.get(url).status_code == 404


def test_an_attachment_of_another_type_is_refused_and_the_move_not_made(client, assigned, handler):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(handler)
    page = client.post(reverse("grievances:move", args=[assigned.pk, "start"]),
                       {"start-attachment": SimpleUploadedFile("x.exe", b"MZ\x90\x00")}, follow=True)
    assert "请附 PDF、JPEG 或 PNG 文件" in page.content.decode()
    assigned.refresh_from_db()
    assert assigned.status == Case.Status.ASSIGNED and not assigned.events.filter(action="start").exists()
