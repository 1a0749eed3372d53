import datetime

import pytest
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import Role
from grievances import services
from grievances.categories import ensure_default_categories
from grievances.models import CaseCategory
from tests.factories import UnitFactory, UserFactory

NOW = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0))


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
def unit_handler(unit_a):
    """A handler of the township government the case is assigned to."""
    return UserFactory(real_name="钱经办", unit=unit_a, roles=[Role.HANDLER])


@pytest.fixture
def boss(unit_a):
    return UserFactory(real_name="唐包案", unit=unit_a, roles=[Role.LEADER])


@pytest.fixture
def case(intake, regions):
    return services.case_register(
        actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
        petitioner_phone="13812345678", village_id=regions["village_a"].code, now=NOW,
    )


@pytest.fixture
def assigned(case, intake, unit_a, boss, unit_handler):
    services.case_accept(actor=intake, case_id=case.pk, now=NOW)
    return services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=boss, handlers=[unit_handler])
