"""#20 part 6: repeat petitions (重复件, grievances/repeats.py). A case registered again is recognised by the same phone,
ID number or household, or by a summary like one of its village's (pg_trgm); the registrar sees the matches before
saving and links it as a repeat, counted once; a matter concluded after 复核 is refused through every door."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import services as field_services
from campaigns.models import TargetVillage
from core import pii
from dashboards import case_figures
from dashboards.drilldown import Scope
from grievances import online, repeats, services
from grievances.models import Case, CaseEvent, SmsTemplate
from tests.clock import NOW, TODAY
from tests.factories import CampaignFactory, HouseholdFactory
from tests.sms_providers import use_provider

DAY = datetime.timedelta(days=1)
LAND = "村东头宅基地边界纠纷，邻居建房占了我家两米地"
LAND_RETOLD = "邻居建房占了我家宅基地两米，边界纠纷"
ID_NUMBER = "430124199001011237"


def register(intake, village, **extra):
    data = {"type": "petition", "source": "in_person", "summary": LAND, "petitioner_name": "王建国", "petitioner_phone": "13812345678",
            "village_id": village.code, "now": NOW}
    return services.case_register(actor=intake, **{**data, **extra})


def found(intake, village, **keys):
    return {m.case.pk: m.reasons for m in repeats.find(Case.objects.visible_to(intake), village_id=village.code, now=NOW + DAY,
                                                        **{"summary": "与此无关的另一件事情", **keys})}


def test_each_key_finds_the_earlier_case_and_an_unrelated_one_matches_nothing(intake, regions):
    village_a, village_b = regions["village_a"], regions["village_b"]
    household = HouseholdFactory(village=village_a)
    earlier = register(intake, village_a, petitioner_id_number=ID_NUMBER, household=household)
    unrelated = register(intake, village_b, summary="村口路灯坏了三个月", petitioner_name="李四", petitioner_phone="13900001111")

    assert found(intake, village_b, phone="13812345678") == {earlier.pk: ("phone",)}
    assert found(intake, village_b, id_hash=pii.lookup_hash(ID_NUMBER)) == {earlier.pk: ("id",)}
    assert found(intake, village_a, household_id=household.pk) == {earlier.pk: ("household",)}
    assert found(intake, village_a, summary=LAND_RETOLD) == {earlier.pk: ("summary",)}
    # The same words in another village are another matter; different words, phone and household match nothing.
    assert found(intake, village_b, summary=LAND_RETOLD) == {}
    assert found(intake, village_a, summary="申请低保，家里老人生病", phone="13700002222") == {}
    assert unrelated.pk not in found(intake, village_b, summary=LAND, phone="13812345678")


def test_the_registrar_sees_the_matches_before_saving_and_links_the_repeat(client, intake, regions):
    original = register(intake, regions["village_a"])
    client.force_login(intake)
    form = {"type": "petition", "source": "phone", "category": original.category_id, "summary": LAND_RETOLD, "petitioner_name": "王建国",
            "petitioner_phone": "13812345678", "head_count": 1, "village": regions["village_a"].code}
    page = client.post(reverse("grievances:register"), form)
    assert page.status_code == 200 and Case.objects.count() == 1  # shown, nothing saved yet
    html = page.content.decode()
    assert 'data-testid="repeats"' in html and reverse("grievances:detail", args=[original.pk]) in html and "同一电话" in html

    page = client.post(reverse("grievances:register"), {**form, "repeat_step": "1", "repeat_of": original.pk}, follow=True)
    repeat = Case.objects.exclude(pk=original.pk).get()
    assert (repeat.duplicate_of, repeat.status) == (original, Case.Status.CLOSED)
    assert repeat.events.filter(action=CaseEvent.Action.LINK_REPEAT, note=original.number).exists()
    assert original.events.filter(action=CaseEvent.Action.REPEAT_RECEIVED, note=repeat.number).exists()
    assert "重复件" in page.content.decode()
    original_page = client.get(reverse("grievances:detail", args=[original.pk])).content.decode()
    assert 'data-testid="repeats-received"' in original_page and repeat.number in original_page

    page = client.post(reverse("grievances:register"), {**form, "repeat_step": "1", "repeat_of": ""})
    new = Case.objects.exclude(pk__in=[original.pk, repeat.pk]).get()
    assert new.duplicate_of is None and new.status == Case.Status.REGISTERED


def test_matches_are_only_those_the_registrar_may_see(intake, regions, unit_b):
    """A township's intake office is shown the cases of its township, not another's with the same phone."""
    from accounts.roles import Role
    from tests.factories import UserFactory

    theirs = register(intake, regions["village_a"])
    township_b_intake = UserFactory(real_name="河西受理", unit=unit_b, roles=[Role.HANDLER])
    assert Case.objects.visible_to(township_b_intake).filter(pk=theirs.pk).count() == 0
    assert found(township_b_intake, regions["village_b"], phone="13812345678") == {}
    assert found(intake, regions["village_b"], phone="13812345678") == {theirs.pk: ("phone",)}


def _conclude_after_re_review(case, intake, unit_a, leader, handler):
    """The case, its 复查 and its 复核, each answered: the matter is concluded."""
    current, day = case, 0
    for _stage in range(3):
        services.case_accept(actor=intake, case_id=current.pk, now=NOW + day * DAY)
        services.case_assign(actor=intake, case_id=current.pk, unit=unit_a, leader=leader, handlers=[handler])
        services.case_start(actor=handler, case_id=current.pk)
        services.case_resolve(actor=handler, case_id=current.pk, outcome=Case.Outcome.EXPLAINED, reply="维持", now=NOW + (day + 2) * DAY)
        if current.stage != Case.Stage.RE_REVIEW:
            current = services.case_request_review(actor=intake, case_id=current.pk, now=NOW + (day + 3) * DAY)
        day += 5
    return Case.objects.get(pk=current.pk)


def test_a_matter_concluded_after_re_review_is_refused_through_every_door(intake, regions, unit_a, leader, handler, cadre, campaign_admin,
                                                                         settings):
    household = HouseholdFactory(village=regions["village_a"], phone="13812345678", head_name="王建国")
    re_review = _conclude_after_re_review(register(intake, regions["village_a"], household=household), intake, unit_a, leader, handler)
    assert (re_review.stage, re_review.status) == (Case.Stage.RE_REVIEW, Case.Status.RESOLVED)
    later = NOW + 20 * DAY
    cases_before = Case.objects.count()

    # Staff: refused, with the number of the concluded case; as a repeat it may be kept.
    with pytest.raises(ValidationError, match=f"已经复核终结（{re_review.number}）"):
        register(intake, regions["village_a"], summary=LAND_RETOLD, now=later)
    assert Case.objects.count() == cases_before
    kept = register(intake, regions["village_a"], summary=LAND_RETOLD, now=later, repeat_of=re_review)
    assert kept.duplicate_of_id == re_review.pk

    # A visit's demand: the visit is kept, the demand joins the concluded matter as its repeat.
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=TODAY, end_date=TODAY + 40 * DAY)
    target = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    field_services.cadres_assign(actor=campaign_admin, target_id=target.pk, cadre_ids=[cadre.pk])
    visit, _created = field_services.visit_record(
        cadre=cadre, client_id=uuid.uuid4(), visited_on=TODAY + 20 * DAY, diary="王建国又说起宅基地的事", household=household,
        demands=[field_services.DemandInput(summary=LAND_RETOLD, type=Case.Type.PETITION)], now=later,
    )
    from_visit = Case.objects.get(visit=visit)
    assert (from_visit.duplicate_of_id, from_visit.status) == (re_review.pk, Case.Status.CLOSED)

    # Online: with the code texted to that phone, refused, nothing registered, the petitioner told why.
    server = use_provider(settings, "aliyun", "LTAI5tRepeats", "repeats-secret")
    try:
        SmsTemplate.objects.create(provider="aliyun", purpose=SmsTemplate.Purpose.CODE, code="SMS_465200009", parameters="code")
        online.submission_code_send(phone="13812345678", address="203.0.113.9", now=later)
        code = server.received[-1]["params"]["code"]
    finally:
        server.stop()
    with pytest.raises(ValidationError, match="不再受理"):
        online.case_submit(type=Case.Type.PETITION, petitioner_name="王建国", phone="13812345678", code=code,
                           village_id=regions["village_a"].code, summary=LAND_RETOLD, address="203.0.113.9", now=later)
    assert not Case.objects.filter(source=Case.Source.ONLINE).exists()

    # And the concluded case itself takes no further review, as before.
    with pytest.raises(ValidationError, match="复核"):
        services.case_request_review(actor=intake, case_id=re_review.pk, now=later)


def test_a_repeat_is_counted_once_in_the_rates_and_the_marks_are_counted(client, intake, supervisor, regions, unit_a, leader, handler):
    """Hand-computed, township A's cases registered on NOW:
    1 answered on time and resolved, rated satisfied; 2 its repeat (linked: closed);
    3 five people (集体访) who went over the township (越级访), registered and past its acceptance limit;
    4 marked 非正常访, registered, not yet due.
    Counted once: 3 cases (1, 3, 4); due for an answer 2 (1 answered, 3 overdue), answered on time 1 → 50%;
    accepted 1, resolved 1 → 100%; rated 1, satisfied 1 → 100%. Without the rule the repeat, closed, would make
    resolved 2 of accepted 1. Marks: collective 1, skipped a level 1, irregular 1, repeats 1."""
    first = register(intake, regions["village_a"])
    services.case_accept(actor=intake, case_id=first.pk, now=NOW + DAY)
    services.case_assign(actor=intake, case_id=first.pk, unit=unit_a, leader=leader, handlers=[handler])
    services.case_start(actor=handler, case_id=first.pk)
    services.case_resolve(actor=handler, case_id=first.pk, outcome=Case.Outcome.SOLVED, reply="已调整", now=NOW + 3 * DAY)
    services.case_evaluate(actor=intake, case_id=first.pk, satisfaction=Case.Satisfaction.SATISFIED, now=NOW + 4 * DAY)
    register(intake, regions["village_a"], summary=LAND_RETOLD, repeat_of=first)
    register(intake, regions["village_a"], summary="五户村民反映灌溉水渠堵塞", petitioner_phone="13900000001", head_count=5, skipped_level=True,
             now=NOW - 20 * DAY)
    register(intake, regions["village_a"], summary="在县政府门口聚集反映拆迁补偿", petitioner_phone="13900000002", abnormal=True)

    cases = case_figures.scoped_cases(supervisor, Scope(regions["township_a"], [], TODAY - 30 * DAY, TODAY + 10 * DAY))
    figures = case_figures.figures(cases, today=TODAY + 10 * DAY)
    assert (figures.total, figures.repeats, figures.collective, figures.skipped_level, figures.abnormal) == (3, 1, 1, 1, 1)
    assert (figures.due_for_answer, figures.answered_on_time, figures.accepted, figures.resolved) == (2, 1, 1, 1)
    assert (figures.on_time_acceptance, figures.resolution, figures.satisfaction) == (0.5, 1.0, 1.0)

    client.force_login(supervisor)
    page = client.get(reverse("dashboards:cases"), {"region": regions["township_a"].code, "date_from": (TODAY - 30 * DAY).isoformat(),
                                                     "date_to": (TODAY + 10 * DAY).isoformat()}).content.decode()
    marks = page[page.index('data-testid="table-marks"'):]
    assert "越级访" in marks and "mark=repeat" in marks and "mark=abnormal" in marks
    listed = client.get(reverse("grievances:list"), {"mark": "repeat"}).content.decode()
    assert listed.count('data-testid="case-row"') == 1
    assert client.get(reverse("grievances:list"), {"mark": "counted_once"}).content.decode().count('data-testid="case-row"') == 3


def test_an_online_case_shows_its_matches_on_its_page_and_is_linked_after_asking(client, intake, supervisor, regions):
    original = register(intake, regions["village_a"])
    submitted = services.register(registered_by=None, type="livelihood", source=Case.Source.ONLINE, summary=LAND_RETOLD,
                                  petitioner_name="王建国", petitioner_phone="13812345678", village_id=regions["village_a"].code)
    client.force_login(intake)
    page = client.get(reverse("grievances:detail", args=[submitted.pk])).content.decode()
    link = f"{reverse('grievances:link-repeat', args=[submitted.pk])}?original={original.pk}"
    assert 'data-testid="repeats"' in page and original.number in page and link.replace("&", "&amp;") in page

    asked = client.get(link).content.decode()
    assert "不能撤销" in asked and original.number in asked
    submitted.refresh_from_db()
    assert submitted.status == Case.Status.REGISTERED  # asking writes nothing
    client.post(link)
    submitted.refresh_from_db()
    assert (submitted.duplicate_of, submitted.status) == (original, Case.Status.CLOSED)
    assert 'data-testid="repeat-of"' in client.get(reverse("grievances:detail", args=[submitted.pk])).content.decode()

    client.force_login(supervisor)  # sees the cases, but repeats are the petition office's to link
    fresh = services.register(registered_by=None, type="livelihood", source=Case.Source.ONLINE, summary=LAND_RETOLD,
                              petitioner_name="王建国", petitioner_phone="13812345678", village_id=regions["village_a"].code)
    assert 'data-testid="repeats"' not in client.get(reverse("grievances:detail", args=[fresh.pk])).content.decode()
