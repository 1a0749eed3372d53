"""The case workflow: only legal moves, by the people allowed, each recorded; deadlines computed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grievances import deadlines, services
from grievances.models import Case, CaseEvent
from grievances.workflow import InvalidMove
from tests.clock import DAY, TODAY
from tests.factories import UnitFactory

from .conftest import NOW


def test_registration_numbers_the_case_and_sets_its_first_limits(case):
    assert case.number == f"XF-{TODAY.year}-000001" and case.status == Case.Status.REGISTERED
    assert case.accept_due == TODAY + 15 * DAY  # 15 days (arts. 22–23)
    assert case.objection_due == deadlines.add_working_days(TODAY, 5).due  # 5 working days (art. 23)
    assert case.category.name == "其他"
    assert list(case.events.values_list("action", flat=True)) == ["register"]


def test_the_remit_objection_counts_chinese_working_days_with_make_up_days():
    # Received the day before National Day: 10-01..10-07 are holidays, 10-10 (Saturday) is a make-up working day.
    assert deadlines.add_working_days(datetime.date(2026, 9, 30), 5).due == datetime.date(2026, 10, 13)
    assert deadlines.is_working_day(datetime.date(2026, 10, 10))
    assert not deadlines.is_working_day(datetime.date(2026, 10, 5))


def test_the_whole_way_to_closing(case, intake, unit_a, leader, handler):
    services.case_accept(actor=intake, case_id=case.pk, now=NOW)
    services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler], level=Case.Level.TOWNSHIP)
    services.case_start(actor=handler, case_id=case.pk)
    services.case_extend(actor=leader, case_id=case.pk, days=30, reason="需现场勘测，已告知信访人")
    services.case_resolve(actor=handler, case_id=case.pk, outcome=Case.Outcome.SOLVED, reply="已重新丈量并调解")
    services.case_evaluate(actor=intake, case_id=case.pk, satisfaction=Case.Satisfaction.SATISFIED)
    services.case_close(actor=leader, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.resolve_due == TODAY + 90 * DAY
    timeline = list(case.events.values_list("action", "from_status", "to_status"))
    assert timeline == [
        ("register", "", "registered"), ("accept", "registered", "accepted"), ("assign", "accepted", "assigned"),
        ("start", "assigned", "in_progress"), ("extend", "in_progress", "in_progress"), ("resolve", "in_progress", "resolved"),
        ("evaluate", "resolved", "evaluated"), ("close", "evaluated", "closed"),
    ]


def test_an_illegal_move_is_refused_with_a_clear_message(case, handler, intake):
    with pytest.raises(InvalidMove, match="登记"):
        services.case_resolve(actor=intake, case_id=case.pk, outcome="solved", reply="x")
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED and case.events.count() == 1


def test_only_the_right_people_move_a_case(case, assigned, handler, leader, other_cadre, intake):
    with pytest.raises(PermissionDenied):
        services.case_start(actor=other_cadre, case_id=case.pk)
    with pytest.raises(PermissionDenied):
        services.case_extend(actor=handler, case_id=case.pk, days=10, reason="x")
    services.case_start(actor=handler, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_PROGRESS


def test_one_extension_of_at_most_thirty_days_with_a_reason(case, assigned, leader):
    with pytest.raises(ValidationError):
        services.case_extend(actor=leader, case_id=case.pk, days=31, reason="太复杂")
    with pytest.raises(ValidationError):
        services.case_extend(actor=leader, case_id=case.pk, days=10, reason=" ")
    services.case_extend(actor=leader, case_id=case.pk, days=10, reason="等待鉴定")
    with pytest.raises(ValidationError, match="只能延期一次|已经延期|extended once"):
        services.case_extend(actor=leader, case_id=case.pk, days=5, reason="再等等")


def test_escalation_goes_up_to_the_county_and_no_further(case, intake):
    services.case_escalate(actor=intake, case_id=case.pk)
    services.case_escalate(actor=intake, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).level == Case.Level.COUNTY
    with pytest.raises(ValidationError):
        services.case_escalate(actor=intake, case_id=case.pk)


def test_the_first_unit_stays_accountable_until_the_transfer_is_accepted(case, assigned, handler, regions):
    from accounts.roles import Role
    from tests.factories import UserFactory

    other_unit = UnitFactory(name="县自然资源局", region=regions["county"])
    other_handler = UserFactory(unit=other_unit, roles=[Role.HANDLER])
    services.case_transfer(actor=handler, case_id=case.pk, unit=other_unit, note="属国土部门职责")
    case.refresh_from_db()
    assert case.unit_id == handler.unit_id and case.pending_unit == other_unit
    services.case_accept_transfer(actor=other_handler, case_id=case.pk)
    case.refresh_from_db()
    assert case.unit == other_unit and case.pending_unit is None and list(case.handlers.all()) == [other_handler]


def test_a_rejection_needs_its_reason(case, intake):
    with pytest.raises(ValidationError):
        services.case_reject(actor=intake, case_id=case.pk, reason="")
    services.case_reject(actor=intake, case_id=case.pk, reason="不属于信访事项，已告知通过诉讼解决")
    assert Case.objects.get(pk=case.pk).status == Case.Status.REJECTED


def resolve(case, intake, unit_a, leader, handler, now=NOW):
    services.case_accept(actor=intake, case_id=case.pk, now=now)
    services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])
    services.case_start(actor=handler, case_id=case.pk)
    return services.case_resolve(actor=handler, case_id=case.pk, outcome=Case.Outcome.EXPLAINED, reply="已解释政策", now=now)


def test_review_then_re_review_then_no_more(case, intake, unit_a, leader, handler):
    resolve(case, intake, unit_a, leader, handler)
    review = services.case_request_review(actor=intake, case_id=case.pk, now=NOW + datetime.timedelta(days=10))
    assert (review.parent, review.stage, review.status) == (case, Case.Stage.REVIEW, Case.Status.REGISTERED)
    services.case_accept(actor=intake, case_id=review.pk, now=NOW + datetime.timedelta(days=11))
    assert Case.objects.get(pk=review.pk).resolve_due == TODAY + 11 * DAY + 30 * DAY

    resolve_later = Case.objects.get(pk=review.pk)
    services.case_assign(actor=intake, case_id=resolve_later.pk, unit=unit_a, leader=leader, handlers=[handler])
    services.case_start(actor=handler, case_id=review.pk)
    services.case_resolve(actor=handler, case_id=review.pk, outcome=Case.Outcome.EXPLAINED, reply="维持原处理意见", now=NOW + datetime.timedelta(days=20))
    re_review = services.case_request_review(actor=intake, case_id=review.pk, now=NOW + datetime.timedelta(days=25))
    assert re_review.stage == Case.Stage.RE_REVIEW
    services.case_accept(actor=intake, case_id=re_review.pk, now=NOW + datetime.timedelta(days=26))
    services.case_assign(actor=intake, case_id=re_review.pk, unit=unit_a, leader=leader, handlers=[handler])
    services.case_start(actor=handler, case_id=re_review.pk)
    services.case_resolve(actor=handler, case_id=re_review.pk, outcome=Case.Outcome.EXPLAINED, reply="复核维持", now=NOW + datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="复核"):
        services.case_request_review(actor=intake, case_id=re_review.pk, now=NOW + datetime.timedelta(days=31))


def test_a_review_after_its_window_is_refused(case, intake, unit_a, leader, handler):
    resolve(case, intake, unit_a, leader, handler)
    with pytest.raises(ValidationError):
        services.case_request_review(actor=intake, case_id=case.pk, now=NOW + datetime.timedelta(days=31))


def test_events_are_never_changed(case):
    event = case.events.get()
    event.note = "改写历史"
    with pytest.raises(ValidationError):
        event.save()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_days_left_and_overdue(case):
    assert case.days_left(TODAY + 8 * DAY) == 7
    assert case.days_left(TODAY + 17 * DAY) == -2


def test_a_handler_of_another_township_cannot_take_it_in(case, unit_b):
    from accounts.roles import Role
    from tests.factories import UserFactory

    outsider = UserFactory(unit=unit_b, roles=[Role.HANDLER])
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=outsider, case_id=case.pk)
    assert not Case.objects.visible_to(outsider).filter(pk=case.pk).exists()


def test_an_overdue_case_cannot_be_extended(case, assigned, leader):
    late = NOW + datetime.timedelta(days=61)
    with pytest.raises(ValidationError):
        services.case_extend(actor=leader, case_id=case.pk, days=10, reason="补救", now=late)


def test_reopening_clears_the_reply_and_restarts_the_clock(case, intake, unit_a, leader, handler):
    resolve(case, intake, unit_a, leader, handler)
    later = NOW + datetime.timedelta(days=10)
    services.case_reopen(actor=leader, case_id=case.pk, note="信访人反映未落实", now=later)
    case.refresh_from_db()
    assert (case.status, case.reply, case.outcome) == (Case.Status.IN_PROGRESS, "", "")
    assert case.resolve_due == later.date() + datetime.timedelta(days=60)


def test_a_second_transfer_waits_for_the_first(case, assigned, handler, regions):
    first, second = UnitFactory(name="县水利局", region=regions["county"]), UnitFactory(name="县交通局", region=regions["county"])
    services.case_transfer(actor=handler, case_id=case.pk, unit=first, note="属水利职责")
    with pytest.raises(ValidationError):
        services.case_transfer(actor=handler, case_id=case.pk, unit=second, note="也可能是交通")


def test_only_disputes_are_mediated(case, assigned, handler):
    with pytest.raises(ValidationError):
        services.case_mediate(actor=handler, case_id=case.pk, kind="peoples", held_on=NOW.date(), mediator="调委会", result="agreed")


def test_nobody_registers_for_villages_outside_their_intake(regions, unit_b, cadre):
    from accounts.roles import Role
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.case_register(actor=UserFactory(unit=unit_b, roles=[Role.HANDLER]), type="petition", source="letter", summary="x",
                               petitioner_name="x", village_id=regions["village_a"].code)
    with pytest.raises(PermissionDenied):
        services.case_register(actor=cadre, type="petition", source="visit", summary="x", petitioner_name="x", village_id=regions["village_a"].code)
