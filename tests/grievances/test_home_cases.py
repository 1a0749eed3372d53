"""The home page of a handler and of a 包案领导 shows their cases and their unread reminders, in a fixed
number of queries, through Case.objects.visible_to."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from grievances import selectors, services
from grievances.models import Case, Reminder
from tests.clock import DAY, NOW, TODAY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def register(intake, village, **extra):
    data = {"type": "livelihood", "source": "phone", "summary": "路灯坏了", "petitioner_name": "王建国", "petitioner_phone": "13812345678"}
    return services.case_register(actor=intake, village_id=village.code, now=NOW, **{**data, **extra})


def assign(case, intake, unit, leader, handlers):
    services.case_accept(actor=intake, case_id=case.pk, now=NOW)
    return services.case_assign(actor=intake, case_id=case.pk, unit=unit, leader=leader, handlers=handlers, now=NOW)


@pytest.fixture
def desk(intake, unit_a, unit_b, leader, handler, regions):
    """Township A: two cases waiting to be accepted, one to be assigned, two assigned to 何经办 of unit A
    (one of them with an extension asked of 唐领导), one resolved and rated, waiting for 销号.
    Township B: one case assigned to unit B, led by someone else."""
    a = regions["village_a"]
    waiting = [register(intake, a), register(intake, a)]
    to_assign = register(intake, a)
    services.case_accept(actor=intake, case_id=to_assign.pk, now=NOW)
    worked = [assign(register(intake, a), intake, unit_a, leader, [handler]) for _ in range(2)]
    services.case_start(actor=handler, case_id=worked[1].pk)
    services.case_request_extension(actor=handler, case_id=worked[1].pk, days=15, reason="需要鉴定")
    to_close = assign(register(intake, a), intake, unit_a, leader, [handler])
    services.case_start(actor=handler, case_id=to_close.pk)
    services.case_resolve(actor=handler, case_id=to_close.pk, outcome="solved", reply="已修好")
    services.case_evaluate(actor=intake, case_id=to_close.pk, satisfaction="satisfied")
    b_handler = UserFactory(real_name="钱乙", unit=unit_b, roles=[Role.HANDLER])
    b_boss = UserFactory(real_name="唐乙", unit=unit_b, roles=[Role.LEADER])
    elsewhere = assign(register(intake, regions["village_b"]), intake, unit_b, b_boss, [b_handler])
    return {"waiting": waiting, "to_assign": to_assign, "worked": worked, "to_close": to_close, "elsewhere": elsewhere}


def counts(page):
    return {key: count for key, _label, count, _url in page.context["case_counts"]}


def numbers(page):
    return {case.number for case in page.context["waiting_cases"]}


def test_the_unit_handler_sees_their_cases_and_not_other_units(client, desk, handler):
    client.force_login(handler)
    page = client.get(reverse("dashboards:home"))
    html = page.content.decode()
    # A township government is also the intake of its villages' cases.
    assert counts(page) == {"handled": 2, "unit": 2, "to_accept": 2, "to_assign": 1, "to_rate": 0, "overdue": 0}
    # The rated one waits for the leader's 销号, not for them.
    assert numbers(page) == {c.number for c in [*desk["worked"], *desk["waiting"], desk["to_assign"]]}
    assert desk["elsewhere"].number not in html
    assert "目前没有交办给您或本单位的案件" not in html
    assert f'href="{reverse("grievances:list")}?tab=mine&amp;status=open"' in html


def test_the_petition_office_sees_its_intake(client, desk, intake):
    client.force_login(intake)
    page = client.get(reverse("dashboards:home"))
    assert counts(page) == {"handled": 0, "unit": 0, "to_accept": 2, "to_assign": 1, "to_rate": 0, "overdue": 0}
    assert numbers(page) == {c.number for c in [*desk["waiting"], desk["to_assign"]]}
    html = page.content.decode()
    assert "待受理" in html and "待交办" in html
    assert f'href="{reverse("grievances:list")}?status=registered"' in html


def test_the_counts_link_to_the_same_cases_in_the_list(client, desk, intake, handler, leader):
    for user in (intake, handler, leader):
        client.force_login(user)
        for key, _label, count, url in client.get(reverse("dashboards:home")).context["case_counts"]:
            assert client.get(url).context["page"].paginator.count == count, (user, key)


def test_the_leader_sees_what_they_lead_and_what_waits_for_them(client, desk, leader):
    client.force_login(leader)
    page = client.get(reverse("dashboards:home"))
    assert counts(page) == {"led": 2, "to_close": 1, "overdue": 0}
    # Waiting for the leader: the extension asked for, and the 销号.
    assert numbers(page) == {desk["worked"][1].number, desk["to_close"].number}
    assert "申请延期 15 天" in page.content.decode()


def test_overdue_cases_are_counted_and_come_first(client, desk, handler, intake, leader, unit_a, regions):
    late = services.case_register(actor=intake, type="petition", source="letter", summary="拖欠工资", petitioner_name="李四",
                                  village_id=regions["village_a"].code, now=NOW - 100 * DAY)
    services.case_accept(actor=intake, case_id=late.pk, now=NOW - 95 * DAY)
    services.case_assign(actor=intake, case_id=late.pk, unit=unit_a, leader=leader, handlers=[handler], now=NOW - 95 * DAY)
    client.force_login(handler)
    page = client.get(reverse("dashboards:home"))
    assert counts(page)["overdue"] == 1
    assert page.context["waiting_cases"][0].number == late.number
    assert 'data-testid="overdue"' in page.content.decode()


def test_unread_reminders_of_visible_cases_are_listed(client, desk, handler, unit_b):
    worked = desk["worked"][0]
    Reminder.objects.create(case=worked, deadline="resolve", due=TODAY + 3 * DAY, threshold=3, recipient=handler)
    Reminder.objects.create(case=worked, deadline="resolve", due=TODAY + 7 * DAY, threshold=7, recipient=handler, read_at=NOW)
    # A reminder of a case the handler no longer sees (moved to another unit) shows no case number.
    Reminder.objects.create(case=desk["elsewhere"], deadline="resolve", due=TODAY, threshold=0, recipient=handler)
    client.force_login(handler)
    page = client.get(reverse("dashboards:home"))
    assert [r.case_id for r in page.context["reminders"]] == [worked.pk]
    section = page.content.decode().split('data-testid="home-reminders"')[1]
    assert worked.number in section and "剩余 3 天" in section


def test_nothing_yet_is_said_plainly(client, handler, leader):
    for user in (handler, leader):
        client.force_login(user)
        html = client.get(reverse("dashboards:home")).content.decode()
        assert 'data-testid="nothing-waiting"' in html


def test_the_home_query_count_does_not_grow_with_cases(client, desk, intake, handler, leader, unit_a, regions,
                                                        django_assert_max_num_queries):
    def queries(user):
        client.force_login(user)
        # session, user, roles, unit, campaigns, bell; cases: counts, list, reminders; the petition office: holiday calendar
        with django_assert_max_num_queries(10) as captured:
            client.get(reverse("dashboards:home"))
        return len(captured)

    before = {user.pk: queries(user) for user in (intake, handler, leader)}
    for _ in range(12):
        case = assign(register(intake, regions["village_a"]), intake, unit_a, leader, [handler])
        Reminder.objects.create(case=case, deadline="resolve", due=TODAY + DAY, threshold=1, recipient=handler)
        register(intake, regions["village_a"])
    assert {user.pk: queries(user) for user in (intake, handler, leader)} == before


def test_the_selector_reads_through_visible_to(desk, handler, django_assert_num_queries):
    with django_assert_num_queries(3):
        cases = selectors.home_cases(handler, today=TODAY)
    assert all(Case.objects.visible_to(handler).filter(pk=c.pk).exists() for c in cases.waiting)
