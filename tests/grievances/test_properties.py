"""Random sequences of moves by random people never reach an illegal state, and the case page's moves
(`workflow.available`) are exactly the ones the services make (hypothesis)."""

import datetime
import threading
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings, target
from hypothesis import strategies as st

from accounts.roles import Role
from grievances import services, workflow
from grievances.models import Case
from grievances.workflow import InvalidMove
from tests.factories import UnitFactory, UserFactory

from .conftest import NOW

S = Case.Status
ACTIONS = ["accept", "reject", "assign", "start", "resolve", "evaluate", "close", "reopen", "request_extension", "extend", "escalate", "transfer", "accept_transfer"]
ACTORS = ["intake", "handler", "leader", "other_handler", "cadre"]
RIGHT_PERSON = {
    "accept": "intake", "reject": "intake", "assign": "intake", "escalate": "intake", "start": "handler",
    "resolve": "handler", "evaluate": "intake", "transfer": "handler", "accept_transfer": "other_handler",
    "close": "leader", "reopen": "leader", "extend": "leader", "request_extension": "handler",
}

NATURAL_NEXT = {"registered": "accept", "accepted": "assign", "assigned": "start", "in_progress": "resolve", "resolved": "evaluate", "evaluated": "close"}
ALONG_THE_WAY = [S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.EVALUATED, S.CLOSED]

# Often the natural next move by the right person, otherwise any move by anyone: every state is
# reached, and illegal moves and wrong people are tried along the way.
step = st.tuples(
    st.one_of(st.just(None), st.just(None), st.sampled_from(ACTIONS)),
    st.one_of(st.just(None), st.just(None), st.just(None), st.sampled_from(ACTORS)),
    st.integers(min_value=-5, max_value=40),
    st.sampled_from(["原因已告知", "原因已告知", "", "  "]),
)
GOOD = "原因已告知"
# Two runs that every session tries, whatever hypothesis draws: one through every kind of refusal to 销号, one to 不予受理.
ALL_THE_WAY = [
    ("assign", None, 0, GOOD),  # not while registered
    (None, "cadre", 0, GOOD),  # accept, by someone who may not
    (None, None, 0, GOOD), (None, None, 0, GOOD),  # accept, assign
    ("extend", None, 10, GOOD), ("extend", None, 10, GOOD),  # the second extension is refused by its guard
    (None, None, 0, GOOD),  # start
    (None, None, 0, "  "),  # resolve with no reply: refused for what was typed
    (None, None, 0, GOOD), (None, None, 0, GOOD), (None, None, 0, GOOD),  # resolve, evaluate, close
]
NOT_ACCEPTED = [("reject", None, 0, GOOD)]


@pytest.fixture
def people(intake, handler, leader, cadre, regions, unit_a):
    other_unit = UnitFactory(name="县住建局", region=regions["county"])
    return {
        "intake": intake, "handler": handler, "leader": leader, "cadre": cadre,
        "other_handler": UserFactory(unit=other_unit, roles=[Role.HANDLER]), "unit_a": unit_a, "other_unit": other_unit,
    }


def attempt(action, actor, number, text, case, people):
    kwargs = {"actor": actor, "case_id": case.pk}
    if action == "reject":
        kwargs["reason"] = text
    elif action == "assign":
        kwargs.update(unit=people["unit_a"], leader=people["leader"], handlers=[people["handler"]])
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


def typed_wrong(action, number, text, case, people) -> bool:
    """What the services refuse in the input itself, whatever the case allows: a blank reason, reply or
    note; an extension outside 1..the category's limit; a transfer to the unit that has the case."""
    if action in {"reject", "resolve", "reopen"}:
        return not text.strip()
    if action in {"extend", "request_extension"}:
        return not 1 <= number <= case.category.max_extension_days or not text.strip()
    if action == "transfer":
        return case.unit_id == people["other_unit"].pk
    return False


def workflow_refusal(actor, action, case) -> Exception | None:
    """What workflow.check() says against the move now (InvalidMove or PermissionDenied), or None."""
    try:
        workflow.check(actor, action, case)
    except (InvalidMove, PermissionDenied) as refusal:
        return refusal
    return None


def test_random_moves_keep_the_case_consistent_and_make_exactly_the_offered_moves(people, regions):
    reached, refusals = Counter(), Counter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @example(steps=ALL_THE_WAY)
    @example(steps=NOT_ACCEPTED)
    @given(steps=st.lists(step, max_size=30))
    def run(steps):
        case = services.case_register(actor=people["intake"], type="petition", source="letter", summary="测试", petitioner_name="某人",
                                      village_id=regions["village_a"].code, now=NOW)
        moves, furthest = 1, 0
        for action, who, number, text in steps:
            action = action or NATURAL_NEXT.get(case.status, "reopen")
            actor, before = people[who or RIGHT_PERSON[action]], case.status
            offered = action in workflow.available(actor, case)
            stated = workflow_refusal(actor, action, case)
            assert offered == (stated is None), (action, who, before, stated)  # the page offers what check() lets through
            bad_input = typed_wrong(action, number, text, case, people)
            try:
                attempt(action, actor, number, text, case, people)
                refused = None
            except (ValidationError, PermissionDenied) as error:
                refused = error
            if refused is None:
                assert offered and not bad_input, f"{action} by {who} on a {before} case was made but not offered, or typed wrong"
                moves += 1
            elif offered:
                # An offered move is refused only for what was typed, never by the workflow.
                assert bad_input and type(refused) is ValidationError, f"{action} by {who} offered on a {before} case but refused: {refused}"
                refusals["for what was typed"] += 1
            elif bad_input and type(refused) is ValidationError:
                refusals["for what was typed"] += 1  # a service may read the input before it checks the move
            else:
                # Not offered: refused by the service with the very reason the workflow states.
                assert (type(refused), str(refused)) == (type(stated), str(stated)), (action, who, before, refused, stated)
                kind = "wrong person" if isinstance(stated, PermissionDenied) else (
                    "not in this status" if before not in workflow.MOVES[action].sources else "by a guard")
                refusals[kind] += 1
            case.refresh_from_db()
            events = list(case.events.order_by("at", "id"))
            assert case.status in Case.Status.values
            assert case.status == (workflow.MOVES[action].target or before if refused is None else before)
            assert len(events) == moves  # every change has its event, refusals none
            assert refused is not None or events[-1].action == action
            assert all(b.from_status == a.to_status for a, b in zip(events, events[1:], strict=False))  # an unbroken chain
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
            reached[case.status] += 1
            event(f"reached {case.status}")
            if case.status in ALONG_THE_WAY:
                furthest = max(furthest, ALONG_THE_WAY.index(case.status))
            if case.status == Case.Status.CLOSED:
                assert case.outcome and case.satisfaction and case.closed_at
        target(furthest, label="steps along the way to 销号")

    run()
    # Real progress: the runs got to the end of the way (and to 不予受理), and every kind of refusal was met.
    assert set(ALONG_THE_WAY[1:]) | {S.REJECTED} <= set(reached), reached
    assert all(refusals[kind] for kind in ("not in this status", "wrong person", "by a guard", "for what was typed")), refusals


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
