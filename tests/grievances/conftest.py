import datetime

import pytest
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import Role
from grievances import services
from grievances.categories import ensure_default_categories
from grievances.models import CaseCategory
from tests.clock import NOW
from tests.factories import UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def categories(db):
    """Transactional tests flush the migration-made categories: make them again."""
    ensure_default_categories(CaseCategory)


@pytest.fixture
def petition_office(regions):
    return UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)


@pytest.fixture
def intake(petition_office):
    """A handler of the county petition office: registers, accepts and assigns."""
    return UserFactory(real_name="何受理", unit=petition_office, roles=[Role.HANDLER])


@pytest.fixture
def case(intake, regions):
    return services.case_register(
        actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
        petitioner_phone="13812345678", village_id=regions["village_a"].code, now=NOW,
    )


@pytest.fixture
def assigned(case, intake, unit_a, leader, handler):
    services.case_accept(actor=intake, case_id=case.pk, now=NOW)
    return services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])


DAY = datetime.timedelta(days=1)


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - n * DAY


def register(intake, village, ago: int, **extra):
    data = {"type": "livelihood", "source": "phone", "summary": "路灯坏了", "petitioner_name": "王建国", "petitioner_phone": "13812345678"}
    return services.case_register(actor=intake, village_id=village.code, now=days_ago(ago), **{**data, **extra})


@pytest.fixture
def worked_cases(intake, unit_a, unit_b, leader, handler, supervisor, regions):
    """Eight cases whose rates are counted by hand below. Township A (大坪村):
    c1 answered on time, resolved on time at village level, satisfied;
    c2 answered late (day 20 of 15), resolved on time at township level, dissatisfied;
    c3 refused on time; c4 waiting past its acceptance limit (overdue);
    c5 waiting within its limit; c6 accepted on time, past its resolution limit (overdue), 挂牌督办.
    Township B (小溪村): two disputes accepted on time and mediated, one agreed, one not."""
    a, b = regions["village_a"], regions["village_b"]
    c1 = register(intake, a, 30)
    services.case_accept(actor=intake, case_id=c1.pk, now=days_ago(28))
    services.case_assign(actor=intake, case_id=c1.pk, unit=unit_a, leader=leader, handlers=[handler], level="village", now=days_ago(28))
    services.case_start(actor=handler, case_id=c1.pk, now=days_ago(27))
    services.case_resolve(actor=handler, case_id=c1.pk, outcome="solved", reply="已修好", now=days_ago(10))
    services.case_evaluate(actor=intake, case_id=c1.pk, satisfaction="satisfied", now=days_ago(9))

    c2 = register(intake, a, 40)
    services.case_accept(actor=intake, case_id=c2.pk, now=days_ago(20))
    services.case_assign(actor=intake, case_id=c2.pk, unit=unit_a, leader=leader, handlers=[handler], level="township", now=days_ago(20))
    services.case_start(actor=handler, case_id=c2.pk, now=days_ago(19))
    services.case_resolve(actor=handler, case_id=c2.pk, outcome="explained", reply="已解释", now=days_ago(5))
    services.case_evaluate(actor=intake, case_id=c2.pk, satisfaction="dissatisfied", now=days_ago(4))

    c3 = register(intake, a, 30)
    services.case_reject(actor=intake, case_id=c3.pk, reason="不属于信访事项", now=days_ago(25))
    c4 = register(intake, a, 20)
    c5 = register(intake, a, 2)
    c6 = register(intake, a, 100)
    services.case_accept(actor=intake, case_id=c6.pk, now=days_ago(95))
    services.case_assign(actor=intake, case_id=c6.pk, unit=unit_a, leader=leader, handlers=[handler], now=days_ago(95))
    services.case_supervise(actor=supervisor, case_id=c6.pk)

    b_handler = UserFactory(real_name="钱乙", unit=unit_b, roles=[Role.HANDLER])
    b_boss = UserFactory(real_name="唐乙", unit=unit_b, roles=[Role.LEADER])
    disputes = []
    for result in ("agreed", "failed"):
        case = register(intake, b, 10, type="dispute")
        services.case_accept(actor=intake, case_id=case.pk, now=days_ago(9))
        services.case_assign(actor=intake, case_id=case.pk, unit=unit_b, leader=b_boss, handlers=[b_handler], now=days_ago(9))
        services.case_mediate(actor=b_handler, case_id=case.pk, kind="peoples", held_on=timezone.localdate() - 3 * DAY,
                              mediator="村调委会", result=result)
        disputes.append(case)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "d1": disputes[0], "d2": disputes[1]}
