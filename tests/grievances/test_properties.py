"""Random sequences of moves by random people never reach an illegal state (hypothesis)."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from grievances import services
from grievances.models import Case
from tests.factories import UnitFactory, UserFactory

from .conftest import NOW

ACTIONS = ["accept", "reject", "assign", "start", "resolve", "evaluate", "close", "reopen", "request_extension", "extend", "escalate", "transfer", "accept_transfer"]
ACTORS = ["intake", "unit_handler", "boss", "other_handler", "cadre"]
RIGHT_PERSON = {
    "accept": "intake", "reject": "intake", "assign": "intake", "escalate": "intake", "start": "unit_handler",
    "resolve": "unit_handler", "evaluate": "intake", "transfer": "unit_handler", "accept_transfer": "other_handler",
    "close": "boss", "reopen": "boss", "extend": "boss", "request_extension": "unit_handler",
}

NATURAL_NEXT = {"registered": "accept", "accepted": "assign", "assigned": "start", "in_progress": "resolve", "resolved": "evaluate", "evaluated": "close"}

# Often the natural next move by the right person, otherwise any move by anyone: every state is
# reached, and illegal moves and wrong people are tried along the way.
step = st.tuples(
    st.one_of(st.just(None), st.just(None), st.sampled_from(ACTIONS)),
    st.one_of(st.just(None), st.just(None), st.just(None), st.sampled_from(ACTORS)),
    st.integers(min_value=-5, max_value=40),
    st.sampled_from(["原因已告知", "原因已告知", "", "  "]),
)


@pytest.fixture
def people(intake, unit_handler, boss, cadre, regions, unit_a):
    other_unit = UnitFactory(name="县住建局", region=regions["county"])
    return {
        "intake": intake, "unit_handler": unit_handler, "boss": boss, "cadre": cadre,
        "other_handler": UserFactory(unit=other_unit, roles=[Role.HANDLER]), "unit_a": unit_a, "other_unit": other_unit,
    }


def attempt(action, actor, number, text, case, people):
    kwargs = {"actor": actor, "case_id": case.pk}
    if action == "reject":
        kwargs["reason"] = text
    elif action == "assign":
        kwargs.update(unit=people["unit_a"], leader=people["boss"], handlers=[people["unit_handler"]])
    elif action == "resolve":
        kwargs.update(outcome=Case.Outcome.SOLVED, reply=text)
    elif action == "evaluate":
        kwargs["satisfaction"] = Case.Satisfaction.SATISFIED
    elif action == "reopen":
        kwargs["note"] = text
    elif action in {"extend", "request_extension"}:
        kwargs.update(days=number, reason=text)
    elif action == "transfer":
        kwargs.update(unit=people["other_unit"], note=text)
    services.MOVE_SERVICES[action](**kwargs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=30))
def test_random_moves_keep_the_case_consistent(people, regions, steps):
    case = services.case_register(actor=people["intake"], type="petition", source="letter", summary="测试", petitioner_name="某人",
                                  village_id=regions["village_a"].code, now=NOW)
    moves = 1
    for action, who, number, text in steps:
        action = action or NATURAL_NEXT.get(case.status, "reopen")
        try:
            attempt(action, people[who or RIGHT_PERSON[action]], number, text, case, people)
            moves += 1
        except (ValidationError, PermissionDenied):
            pass
        case.refresh_from_db()
        events = list(case.events.order_by("at", "id"))
        assert case.status in Case.Status.values
        assert len(events) == moves  # every change has its event, refusals none
        assert all(b.from_status == a.to_status for a, b in zip(events, events[1:]))  # an unbroken chain
        assert events[-1].to_status == case.status
        assert case.extension_days == 0 or 1 <= case.extension_days <= 30
        assert [e.action for e in events].count("extend") <= 1
        if case.accepted_at:
            accepted = timezone.localtime(case.accepted_at).date()
            assert case.resolve_due >= accepted
            # A reopened case's clock starts again on the day it was reopened; an extension counts if made since.
            reopens = [i for i, e in enumerate(events) if e.action == "reopen"]
            since = events[reopens[-1] + 1:] if reopens else events
            start = timezone.localtime(events[reopens[-1]].at).date() if reopens else accepted
            extended = case.extension_days if any(e.action == "extend" for e in since) else 0
            assert (case.resolve_due - start).days == 60 + extended
        event(f"reached {case.status}")
        if case.status == Case.Status.CLOSED:
            assert case.outcome and case.satisfaction and case.closed_at


@pytest.mark.django_db(transaction=True)
def test_fifty_cases_registered_at_once_get_fifty_numbers(intake, regions):
    barrier = threading.Barrier(50)
    numbers, errors = [], []

    def register(n):
        try:
            barrier.wait()
            case = services.case_register(actor=intake, type="livelihood", source="phone", summary=f"并发{n}", petitioner_name="并发",
                                          village_id=regions["village_a"].code)
            numbers.append(case.number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = datetime.date.today().year
    assert sorted(numbers) == [f"XF-{year}-{n:06d}" for n in range(1, 51)]
