"""#19: the rules that flag numbers which look fabricated (campaigns/flags.py), recorded once each
(services/flags.py), and their review."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import AuditEntry, Region
from accounts.roles import Role
from campaigns import services
from campaigns.flags import with_distance
from campaigns.models import Assignment, CheckIn, Evaluation, Flag, FlagRule, FlagThresholds, Visit
from core import minhash
from demo.scale_fieldwork import diaries
from grievances.models import Case
from tests.clock import DAY, NOW, TODAY
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory

from .conftest import assign, visit

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def week(regions, campaign_admin, cadre, other_cadre):
    """This week's campaign in 大坪村 (lat 28.2, lon 112.9), both cadres posted there, eight households."""
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], start_date=TODAY - 5 * DAY, end_date=TODAY + 2 * DAY)
    Region.objects.filter(pk=regions["village_a"].pk).update(latitude=Decimal("28.200000"), longitude=Decimal("112.900000"))
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre, other_cadre)
    return {"campaign": campaign, "target": target,
            "households": [HouseholdFactory(village=regions["village_a"], head_name=f"户主{n}") for n in range(8)]}


def check(*visits, **records):
    return services.flags_check_records(visits=[v.pk for v in visits], **records)


def flags(rule):
    return list(Flag.objects.filter(rule=rule))


def test_visits_on_a_day_without_a_check_in_are_flagged_once_the_day_is_over_and_only_once(week, cadre):
    first, second = (visit(cadre, TODAY - DAY, household=h, stayed_overnight=n == 0) for n, h in enumerate(week["households"][:2]))
    today = visit(cadre, TODAY, household=week["households"][2])  # the day is not over: a check-in may still come
    assert check(first, second, today) == 2
    day = Flag.objects.get(rule=FlagRule.VISIT_WITHOUT_CHECK_IN)
    assert day.evidence == f"{(TODAY - DAY).isoformat()}：记录了 2 次走访，当天没有签到。"
    assert set(day.visits.all()) == {first, second} and day.cadre == cadre and day.village_id == week["target"].village_id
    night = Flag.objects.get(rule=FlagRule.OVERNIGHT_WITHOUT_CHECK_IN)
    assert set(night.visits.all()) == {first} and night.severity == Flag.Severity.HIGH
    assert check(first, second, today) == 0 and Flag.objects.count() == 2  # the same finding is never recorded twice

    services.check_in(cadre=cadre)
    visit(cadre, TODAY, household=week["households"][3])
    assert services.flags_check_records(visits=Visit.objects.filter(visited_on=TODAY).values_list("pk", flat=True),
                                        today=TODAY + DAY) == 0  # checked in: nothing


def test_visits_and_check_ins_outside_the_assignments_dates_are_flagged(week, cadre):
    check_in, _created = services.check_in(cadre=cadre)
    entry = visit(cadre, TODAY, household=week["households"][0])
    inside = visit(cadre, TODAY - DAY, household=week["households"][1])
    Assignment.objects.filter(cadre=cadre).update(end_date=TODAY - DAY)  # the assignment was shortened afterwards, in the admin
    services.flags_check_records(visits=[entry.pk, inside.pk], check_ins=[check_in.pk])
    flags = Flag.objects.filter(rule=FlagRule.OUTSIDE_ASSIGNMENT)
    assert {f.key for f in flags} == {f"visit:{entry.pk}", f"checkin:{check_in.pk}"}
    assert f"不在派驻期内（{(TODAY - 5 * DAY).isoformat()} 至 {(TODAY - DAY).isoformat()}）" in flags.get(key=f"visit:{entry.pk}").evidence


def test_the_distance_from_the_village_is_computed_in_the_database_and_a_far_one_is_flagged(week, cadre):
    near = visit(cadre, TODAY, household=week["households"][0], latitude=Decimal("28.201000"), longitude=Decimal("112.900000"))
    far = visit(cadre, TODAY, household=week["households"][1], latitude=Decimal("28.250000"), longitude=Decimal("112.900000"))
    unknown = visit(cadre, TODAY, household=week["households"][2])
    distances = dict(with_distance(Visit.objects.all()).values_list("pk", "distance_m"))
    assert round(distances[near.pk]) == 111 and round(distances[far.pk], -1) == 5560 and distances[unknown.pk] is None
    check(near, far, unknown)
    flag = Flag.objects.get(rule=FlagRule.FAR_FROM_VILLAGE)
    assert list(flag.visits.all()) == [far] and "5560 米" in flag.evidence and "大坪村" in flag.evidence


def test_a_check_in_far_from_the_village_is_flagged(week, cadre):
    check_in, _created = services.check_in(cadre=cadre, latitude=Decimal("28.300000"), longitude=Decimal("112.900000"))
    services.flags_check_records(check_ins=[check_in.pk])
    assert list(Flag.objects.get(rule=FlagRule.FAR_FROM_VILLAGE).check_ins.all()) == [check_in]


def test_six_households_entered_minutes_apart_at_one_spot_are_flagged_for_pace_and_place(week, cadre):
    services.check_in(cadre=cadre)
    spot = {"latitude": Decimal("28.200010"), "longitude": Decimal("112.900010")}
    visits = [visit(cadre, TODAY, household=h, now=NOW + 2 * n * MINUTE, **spot) for n, h in enumerate(week["households"][:6])]
    check(visits[-1])
    hour = Flag.objects.get(rule=FlagRule.TOO_MANY_IN_AN_HOUR)
    assert hour.visits.count() == 6 and "1 小时内录入了 6 户的走访" in hour.evidence
    assert Flag.objects.get(rule=FlagRule.MINUTES_APART).visits.count() == 6
    spot_flag = Flag.objects.get(rule=FlagRule.SAME_SPOT)
    assert spot_flag.evidence == f"同一坐标（±5 米）在 10 分钟内记录了 6 户走访（{TODAY.isoformat()}）。"


def test_visits_spread_over_the_day_at_their_own_homes_are_not_flagged(week, cadre):
    services.check_in(cadre=cadre)
    visits = [visit(cadre, TODAY, household=h, now=NOW + 40 * n * MINUTE, latitude=Decimal("28.200000") + Decimal("0.001") * n,
                    longitude=Decimal("112.900000")) for n, h in enumerate(week["households"][:6])]
    assert check(*visits) == 0


def test_a_diary_nearly_copied_from_another_cadres_visit_is_flagged_on_the_later_one(week, cadre, other_cadre):
    text = "与户主拉家常，了解到今年柑橘丰收但销路不畅，村里的冷库还没有建好，希望联系电商平台帮助销售。"
    original = visit(other_cadre, TODAY, household=week["households"][0], diary=text, now=NOW)
    copy = visit(cadre, TODAY, household=week["households"][1], diary=text.replace("今年", "今年的"), now=NOW + MINUTE)
    own = visit(cadre, TODAY, household=week["households"][2], diary="到户里查看危房改造进度，墙体已经砌好，屋顶还差瓦片，约定下周再来。", now=NOW + 2 * MINUTE)
    check(original, copy, own)
    flag = Flag.objects.get(rule=FlagRule.COPIED_DIARY)
    assert flag.cadre == cadre and set(flag.visits.all()) == {copy, original}
    assert "王干部" in flag.evidence and flag.severity == Flag.Severity.HIGH


def test_a_diary_edited_into_a_copy_is_flagged_and_ordinary_diaries_of_the_same_stock_phrases_are_not(week, cadre, other_cadre):
    """Two hundred diaries as cadres write them (the scale city's: a stock line, three details, an ending) raise no
    flag; one edited within its 24 hours into a near copy of another is found through its new band hashes."""
    ordinary = diaries(random.Random(3))
    homes = week["households"]
    visits = [visit(other_cadre if n % 2 else cadre, TODAY, household=homes[n % 8], diary=next(ordinary), now=NOW + n * MINUTE) for n in range(200)]
    original, later = visits[10], visits[-1]
    check(*visits)
    assert not flags(FlagRule.COPIED_DIARY)

    services.visit_edit(actor=later.cadre, visit_id=later.pk, data={"diary": original.diary.replace("。", "，", 1)}, now=NOW + 201 * MINUTE)
    later.refresh_from_db()
    assert later.diary_bands == minhash.bands_of(later.diary) != []
    check(later)
    (flag,) = flags(FlagRule.COPIED_DIARY)
    assert set(flag.visits.all()) == {later, original} and original.cadre.real_name in flag.evidence


def test_many_entries_back_dated_to_the_limit_on_one_day_are_flagged(week, cadre):
    late = [visit(cadre, TODAY - 3 * DAY, household=h) for h in week["households"][:5]]
    check(late[0])
    flag = Flag.objects.get(rule=FlagRule.BACKDATED_IN_BULK)
    assert flag.visits.count() == 5 and "5 次走访" in flag.evidence


def test_a_deed_value_raised_after_the_entry_is_flagged_with_both_values(week, cadre):
    entry = visit(cadre, TODAY, household=week["households"][0], deed="帮助联系农技员", deed_value=Decimal("120"))
    services.visit_edit(actor=cadre, visit_id=entry.pk, data={"deed_value": Decimal("2000")})
    check(entry)
    assert "120.00 改为 2000.00" in Flag.objects.get(rule=FlagRule.CHANGED_AFTERWARDS).evidence


def test_the_cadres_visits_mostly_entered_on_the_campaigns_last_day_are_flagged_in_the_nightly_pass(regions, campaign_admin, cadre):
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=TODAY - 10 * DAY, end_date=TODAY - DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    households = [HouseholdFactory(village=regions["village_a"]) for _ in range(10)]
    for n, household in enumerate(households):
        day = campaign.end_date if n >= 4 else campaign.end_date - 5 * DAY
        visit(cadre, day, household=household, now=timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, n))))
    services.flags_check_all(now=NOW)
    flag = Flag.objects.get(rule=FlagRule.LAST_DAY_RUSH)
    assert flag.visits.count() == 6 and flag.evidence.startswith("该干部本次活动的 10 次走访中有 6 次")


def test_ratings_in_a_burst_and_from_households_never_visited_are_flagged(week, cadre):
    visited = week["households"][0]
    visit(cadre, TODAY, household=visited)
    ratings = [Evaluation.objects.create(campaign=week["campaign"], target_village=week["target"], household=h, rating="satisfied",
                                         created_at=NOW + n * MINUTE, address_hash="same-address")
               for n, h in enumerate(week["households"][:5])]
    services.flags_check_records(evaluations=[r.pk for r in ratings])
    bursts = Flag.objects.filter(rule=FlagRule.RATING_BURST)
    assert {f.key.split(":")[0] for f in bursts} == {"team", "address"} and all(f.evaluations.count() == 5 for f in bursts)
    assert "4 分钟内" in bursts.get(key__startswith="team").evidence
    assert Flag.objects.filter(rule=FlagRule.RATING_NOT_VISITED).count() == 4  # the visited household's rating is not


def test_a_case_closed_minutes_after_registration_without_a_reply_is_flagged(week, cadre):
    case = visit(cadre, TODAY, household=week["households"][0], demands=[services.DemandInput("路灯坏了")], now=NOW).cases.get()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=NOW + 5 * MINUTE, satisfaction=Case.Satisfaction.SATISFIED)
    services.flags_check_records(cases=[case.pk])
    assert {f.rule for f in Flag.objects.filter(case=case)} == {
        FlagRule.CASE_CLOSED_AT_ONCE, FlagRule.CLOSED_WITHOUT_REPLY, FlagRule.SATISFACTION_WITHOUT_CALLBACK}
    assert "5 分钟" in Flag.objects.get(rule=FlagRule.CASE_CLOSED_AT_ONCE).evidence


def test_an_administrator_sets_the_thresholds(week, cadre):
    late = [visit(cadre, TODAY - 3 * DAY, household=h) for h in week["households"][:3]]
    assert check(*late) == 1  # visits without a check-in that day; three back-dated entries are below the default five
    FlagThresholds.objects.create(backdated_count=3)
    assert check(*late) == 1 and Flag.objects.filter(rule=FlagRule.BACKDATED_IN_BULK).exists()


# --- review ------------------------------------------------------------------------------------------------

@pytest.fixture
def flag(week, cadre):
    visit(cadre, TODAY - DAY, household=week["households"][0])
    services.flags_check_all(now=NOW)
    return Flag.objects.get(rule=FlagRule.VISIT_WITHOUT_CHECK_IN)


def test_a_supervisor_confirms_a_flag_with_a_note_and_the_review_is_in_the_audit_trail(flag, supervisor):
    services.flag_review(actor=supervisor, flag_id=flag.pk, verdict=Flag.State.CONFIRMED, note="电话核实：当天未到村。")
    flag.refresh_from_db()
    assert (flag.state, flag.reviewed_by, flag.review_note) == (Flag.State.CONFIRMED, supervisor, "电话核实：当天未到村。")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FLAG)
    assert entry.actor == supervisor and entry.details["note"] == "电话核实：当天未到村。"
    assert services.flags_check_all(now=NOW) == 0 and Flag.objects.count() == 1  # a reviewed finding is not raised again


def test_the_cadre_explains_but_may_not_review_their_own_flag_nor_may_another_townships_supervisor(flag, cadre, other_supervisor, regions):
    services.flag_explain(actor=cadre, flag_id=flag.pk, explanation="当天在乡里开会，忘了签到。")
    assert Flag.objects.get(pk=flag.pk).explanation == "当天在乡里开会，忘了签到。"
    both = UserFactory(jurisdiction=regions["township_a"], roles=[Role.SUPERVISOR])
    Flag.objects.filter(pk=flag.pk).update(cadre=both)
    for reviewer in (both, other_supervisor):
        with pytest.raises(PermissionDenied):
            services.flag_review(actor=reviewer, flag_id=flag.pk, verdict=Flag.State.DISMISSED, note="无")
    with pytest.raises(PermissionDenied):
        services.flag_explain(actor=cadre, flag_id=flag.pk, explanation="不是我的")


def test_a_check_in_after_the_flag_leaves_it_for_the_supervisor_to_dismiss(flag, cadre, supervisor):
    CheckIn.objects.create(cadre=cadre, assignment=flag.visits.get().assignment, day=TODAY - DAY)
    services.flag_review(actor=supervisor, flag_id=flag.pk, verdict=Flag.State.DISMISSED, note="补签到，属实在村。")
    assert Flag.objects.get(pk=flag.pk).state == Flag.State.DISMISSED


@pytest.mark.django_db(transaction=True)
def test_a_visit_saved_is_checked_by_the_real_worker_once_committed(regions, campaign_admin, cadre, celery_worker):
    from tests.celery_processes import log_tail, wait_until

    today = timezone.localdate()  # a real worker keeps the real clock
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=today - 2 * DAY, end_date=today + 2 * DAY)
    Region.objects.filter(pk=regions["village_a"].pk).update(latitude=Decimal("28.2"), longitude=Decimal("112.9"))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    far = visit(cadre, today, household=HouseholdFactory(village=regions["village_a"]), latitude=Decimal("28.3"), longitude=Decimal("112.9"))
    assert wait_until(lambda: Flag.objects.filter(rule=FlagRule.FAR_FROM_VILLAGE, visits=far).exists()), log_tail(celery_worker)
