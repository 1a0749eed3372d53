"""The demo county's petition office: 120 cases registered over three months and worked through the
real services (so every move is an event) to every state."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Region, User
from grievances import services as case_services
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory

from .county_regions import COUNTY
from .names import person_name, phone
from .phrases import OFFICE_MATTERS

# How far each office case has come: (last move, share of cases).
CASE_FATES = [("registered", 2), ("reject", 1), ("accept", 1), ("assign", 2), ("start", 3), ("resolve", 2), ("evaluate", 2), ("close", 4)]


def build_case_work(rng: random.Random, township_handlers: list[User]) -> None:
    """Petitions registered by the county office over three months, worked through the real services
    (so every move is an event) to every state: some overdue, some extended, mediated or supervised.

    Built once, like the field work.
    """
    if Case.objects.exclude(source=Case.Source.VISIT).exists():
        return
    ensure_default_categories(CaseCategory)
    categories = {c.name: c for c in CaseCategory.objects.all()}
    intake = User.objects.get(username="jingban")
    leader = User.objects.get(username="lingdao")
    supervisor = User.objects.get(username="ducha")
    villages = list(Region.objects.villages().in_region(COUNTY[0]).order_by("code"))
    now = timezone.now()
    fates = [fate for fate, weight in CASE_FATES for _ in range(weight)]
    for _n in range(120):
        summary, kind, category = rng.choice(OFFICE_MATTERS)
        village = rng.choice(villages)
        handler = next(h for h in township_handlers if village.code.startswith(h.unit.region_id[:9]))
        start = now - timedelta(days=rng.randrange(2, 95), hours=rng.randrange(8))
        case = case_services.case_register(
            actor=intake, type=kind, source=rng.choice([Case.Source.IN_PERSON, Case.Source.LETTER, Case.Source.PHONE, Case.Source.ONLINE]),
            summary=summary, category=categories[category], petitioner_name=person_name(rng), petitioner_phone=phone(rng),
            head_count=rng.choice([1, 1, 1, 2, 6]), village_id=village.code, now=start,
        )
        fate = rng.choice(fates)
        if fate == "reject":
            case_services.case_reject(actor=intake, case_id=case.pk, reason="不属于信访事项，已告知通过诉讼途径解决", now=start + timedelta(days=1))
            continue
        # The plan is drawn for every case, even one that stays registered: the random sequence depends on it.
        plan = _plan(rng, case.pk, kind, intake=intake, handler=handler, leader=leader, supervisor=supervisor)
        if fate == "registered":
            continue
        for day, name, run in plan:
            at = start + timedelta(days=day)
            if at > now:
                break  # the rest of this case is still to come
            run(at)
            if name == fate:
                break
    _build_repeats_and_marks(random.Random(2027), intake, villages, categories, now)


def _build_repeats_and_marks(rng: random.Random, intake: User, villages: list[Region], categories: dict, now: datetime) -> None:
    """What the petition office sees of repeats (重复件) and marks: a petitioner who came back about the same matter
    (linked as the repeat), online submissions waiting to be accepted — one of them matching an open case by phone
    and words, so its page shows the match — and cases marked 越级访 and 非正常访. Its own random sequence, so the
    120 cases above stay as they were."""
    first = Case.objects.filter(status=Case.Status.REGISTERED, source=Case.Source.IN_PERSON).exclude(petitioner_phone="").order_by("registered_at").first()
    if first is None:
        return
    case_services.case_register(
        actor=intake, type=first.type, source=Case.Source.PHONE, summary=f"{first.summary}，上次反映后还没有答复", category=first.category,
        petitioner_name=first.petitioner_name, petitioner_phone=first.petitioner_phone, village_id=first.village_id,
        repeat_of=first, now=now - timedelta(hours=5),
    )
    online = [(first.summary + "，请尽快处理", first.petitioner_name, first.petitioner_phone, first.village_id),
              ("村里自来水停了三天，老人孩子用水困难", person_name(rng), phone(rng), rng.choice(villages).code),
              ("申请危房改造，房子漏雨墙体开裂", person_name(rng), phone(rng), rng.choice(villages).code)]
    for hours, (summary, name, number, village) in enumerate(online, start=1):
        with transaction.atomic():
            case_services.register(registered_by=None, type=Case.Type.LIVELIHOOD, source=Case.Source.ONLINE, summary=summary,
                                   petitioner_name=name, petitioner_phone=number, village_id=village, now=now - timedelta(hours=hours))
    summary, kind, category = OFFICE_MATTERS[0]
    for marks in ({"skipped_level": True, "head_count": 7}, {"abnormal": True}):
        case_services.case_register(
            actor=intake, type=kind, source=Case.Source.IN_PERSON, summary=f"{summary}（到市里反映）", category=categories[category],
            petitioner_name=person_name(rng), petitioner_phone=phone(rng), village_id=rng.choice(villages).code,
            now=now - timedelta(days=rng.randrange(1, 10)), **marks,
        )


def _plan(rng: random.Random, case_id: int, kind: str, *, intake: User, handler: User, leader: User,
          supervisor: User) -> list[tuple[int, str, Callable[[datetime], object]]]:
    """The moves of the case: (days after registration, move, the service call at a moment)."""
    plan = [
        (rng.randrange(1, 14), "accept", lambda at: case_services.case_accept(actor=intake, case_id=case_id, now=at)),
        (15, "assign", lambda at: case_services.case_assign(
            actor=intake, case_id=case_id, unit=handler.unit, leader=leader, handlers=[handler],
            level=rng.choice([Case.Level.VILLAGE, Case.Level.TOWNSHIP, Case.Level.TOWNSHIP, Case.Level.COUNTY]), now=at)),
        (16, "start", lambda at: case_services.case_start(actor=handler, case_id=case_id, now=at)),
    ]
    if rng.random() < 0.15:
        plan.insert(2, (15, "supervise", lambda at: case_services.case_supervise(actor=supervisor, case_id=case_id, note="挂牌督办，限期化解", now=at)))
    if kind == Case.Type.DISPUTE:
        plan.append((20, "mediate", lambda at: case_services.case_mediate(
            actor=handler, case_id=case_id, kind=rng.choice(["peoples", "administrative", "judicial"]), held_on=at.date(),
            mediator="乡镇调委会", result=rng.choice(["agreed"] * 9 + ["failed"]), agreement="双方自愿达成调解协议", now=at)))
    if rng.random() < 0.2:
        plan.append((40, "request_extension", lambda at: case_services.case_request_extension(actor=handler, case_id=case_id, days=30, reason="需要进一步调查核实", now=at)))
        plan.append((41, "extend", lambda at: case_services.case_extend(actor=leader, case_id=case_id, days=30, reason="需要进一步调查核实，已告知信访人", now=at)))
    plan += [
        (45, "resolve", lambda at: case_services.case_resolve(actor=handler, case_id=case_id, outcome=rng.choice(Case.Outcome.values),
                                                              reply="经调查核实，已按政策处理并向信访人当面答复", now=at)),
        (50, "evaluate", lambda at: case_services.case_evaluate(
            actor=intake, case_id=case_id, satisfaction=rng.choice(["satisfied"] * 6 + ["fairly_satisfied"] * 3 + ["dissatisfied"]),
            callback=rng.random() < 0.9, now=at)),  # most by a 回访 call; the others are flagged
        (55, "close", lambda at: case_services.case_close(actor=leader, case_id=case_id, now=at)),
    ]
    return plan
