"""The case page offers exactly the moves workflow.check() lets through: the guards (one extension,
not when overdue, disputes only for mediation, …) are part of each move, applied by both."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.roles import Role
from grievances import services, workflow
from grievances.models import Case
from tests.clock import DAY, NOW, TODAY
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def allowed_by_check(actor, case, today=TODAY):
    allowed = set()
    for name in workflow.MOVES:
        try:
            workflow.check(actor, name, case, today=today)
        except (workflow.InvalidMove, PermissionDenied):
            continue
        allowed.add(name)
    return allowed


@pytest.fixture
def extended(assigned, handler, leader):
    """A case in progress whose one extension was asked for and approved."""
    services.case_start(actor=handler, case_id=assigned.pk)
    services.case_request_extension(actor=handler, case_id=assigned.pk, days=20, reason="需请国土所现场测量")
    return services.case_extend(actor=leader, case_id=assigned.pk, days=20, reason="需请国土所现场测量，已告知信访人")


def test_after_the_one_extension_neither_extension_button_is_offered(client, extended, handler, leader):
    case = Case.objects.get(pk=extended.pk)
    assert "request_extension" not in workflow.available(handler, case)
    assert "extend" not in workflow.available(leader, case)
    for user in (handler, leader):
        client.force_login(user)
        html = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
        assert 'data-move="request_extension"' not in html and 'data-move="extend"' not in html
    client.force_login(handler)
    assert 'data-move="resolve"' in client.get(reverse("grievances:detail", args=[case.pk])).content.decode()  # the rest is still offered


def test_check_refuses_a_second_extension_with_the_chinese_reason(extended, handler, leader):
    case = Case.objects.get(pk=extended.pk)
    for actor, action in ((handler, "request_extension"), (leader, "extend")):
        with pytest.raises(workflow.InvalidMove) as refused:
            workflow.check(actor, action, case)
        assert refused.value.messages == ["办理期限已经延期一次，不能再次延期。"]


def test_a_mediation_on_a_case_that_is_no_dispute_is_refused_by_check(assigned, handler):
    assert assigned.type == Case.Type.PETITION
    with pytest.raises(workflow.InvalidMove) as refused:
        workflow.check(handler, "mediate", assigned)
    assert refused.value.messages == ["此操作只适用于矛盾纠纷类案件。"]
    assert "mediate" not in workflow.available(handler, assigned)


def test_a_dispute_may_be_mediated(intake, regions, unit_a, leader, handler):
    dispute = services.case_register(actor=intake, type="dispute", source="survey", summary="地界纠纷", petitioner_name="王建国",
                                     village_id=regions["village_a"].code)
    services.case_accept(actor=intake, case_id=dispute.pk)
    dispute = services.case_assign(actor=intake, case_id=dispute.pk, unit=unit_a, leader=leader, handlers=[handler])
    assert workflow.check(handler, "mediate", dispute) is workflow.MOVES["mediate"]
    assert "mediate" in workflow.available(handler, dispute)


def test_past_the_limit_no_extension_is_offered_or_allowed(assigned, handler, leader):
    late = assigned.resolve_due + DAY
    assert {"extend", "request_extension"}.isdisjoint(workflow.available(leader, assigned, today=late) + workflow.available(handler, assigned, today=late))
    with pytest.raises(workflow.InvalidMove, match="办理期限已过"):
        workflow.check(leader, "extend", assigned, today=late)
    assert "extend" in workflow.available(leader, assigned, today=assigned.resolve_due)  # the last day still counts


def test_the_service_refuses_what_the_guard_refuses(extended, leader):
    with pytest.raises(workflow.InvalidMove, match="延期一次"):
        services.case_extend(actor=leader, case_id=extended.pk, days=5, reason="再等等")


def test_available_is_exactly_what_check_lets_through_in_every_state(intake, handler, leader, supervisor, cadre, regions, unit_a):
    """Cases in many states and conditions, each looked at by each person."""
    other_unit = UnitFactory(name="县自然资源局", region=regions["county"])
    other_handler = UserFactory(unit=other_unit, roles=[Role.HANDLER])
    people = [intake, handler, leader, supervisor, cadre, other_handler]

    def registered(kind="petition"):
        return services.case_register(actor=intake, type=kind, source="letter", summary="测试", petitioner_name="某人",
                                      village_id=regions["village_a"].code, now=NOW)

    def assigned_case(kind="petition"):
        case = registered(kind)
        services.case_accept(actor=intake, case_id=case.pk)
        return services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])

    cases = [registered(), assigned_case(), assigned_case("dispute")]
    county = registered()
    services.case_escalate(actor=intake, case_id=county.pk)
    cases.append(services.case_escalate(actor=intake, case_id=county.pk))
    moved = assigned_case()
    cases.append(services.case_transfer(actor=handler, case_id=moved.pk, unit=other_unit, note="属国土部门职责"))
    watched = assigned_case()
    cases.append(services.case_supervise(actor=supervisor, case_id=watched.pk))
    done = assigned_case()
    services.case_start(actor=handler, case_id=done.pk)
    services.case_extend(actor=leader, case_id=done.pk, days=10, reason="等待鉴定")
    cases.append(Case.objects.get(pk=done.pk))
    services.case_resolve(actor=handler, case_id=done.pk, outcome="solved", reply="已解决")
    cases.append(Case.objects.get(pk=done.pk))
    services.case_evaluate(actor=intake, case_id=done.pk, satisfaction="satisfied")
    cases.append(Case.objects.get(pk=done.pk))

    for case in cases:
        case = Case.objects.select_related("pending_unit", "unit").get(pk=case.pk)
        for today in (TODAY, case.resolve_due + DAY if case.resolve_due else TODAY):
            for person in people:
                assert set(workflow.available(person, case, today=today)) == allowed_by_check(person, case, today), (case.status, person)
