"""The demo county's campaigns and their field work: this week's active 三同四民 campaign and last year's
closed one, their target villages and teams, and the active one's check-ins, visits, pairings, the cases
raised on visits and residents' ratings."""

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Region, Unit, User
from campaigns.models import (
    Assignment,
    Campaign,
    CampaignEvent,
    CheckIn,
    Evaluation,
    Household,
    Pairing,
    TargetVillage,
    Visit,
    VisitKind,
)
from core.minhash import bands_of, bands_of_many
from grievances import deadlines
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory, CaseEvent, CaseNumberCounter

from .county_regions import COUNTY, COUNTY_UNITS, village_point
from .phrases import DEEDS, DEMANDS, DIARY_LINES, diary_text


def build_campaigns(today: date, units: dict[str, Unit]) -> tuple[Campaign, Campaign]:
    """One active 三同四民 week around today and last year's closed 千名干部进百村; dates fixed at first run."""
    organiser = units["县委组织部"]
    active, _created = Campaign.objects.get_or_create(
        name="“三同四民”主题实践活动",
        organiser_region_id=COUNTY[0],
        defaults={
            "kind": Campaign.Kind.SANTONG_SIMIN,
            "theme": "访民情、解民忧、办实事、促和谐",
            "organiser_unit": organiser,
            "start_date": today - timedelta(days=3),
            "end_date": today + timedelta(days=3),
            "status": Campaign.Status.ACTIVE,
            "target_households_visited": 10,
            "target_nights_stayed": 3,
            "target_deeds_done": 2,
        },
    )
    closed, _created = Campaign.objects.get_or_create(
        name="千名干部进百村、五送五帮促和谐",
        organiser_region_id=COUNTY[0],
        defaults={
            "kind": Campaign.Kind.THOUSAND_CADRES,
            "theme": "送政策、送温暖、送技术、送信息、送法律",
            "organiser_unit": organiser,
            "start_date": today - timedelta(days=400),
            "end_date": today - timedelta(days=340),
            "status": Campaign.Status.CLOSED,
            "target_households_visited": 30,
            "target_nights_stayed": 10,
            "target_deeds_done": 5,
        },
    )
    admin = User.objects.get(username="admin")
    for campaign, actions in ((active, ["created", "activated"]), (closed, ["created", "activated", "closed"])):
        for action in actions:
            CampaignEvent.objects.get_or_create(
                campaign=campaign, action=action,
                defaults={"actor": admin, "summary": f"{CampaignEvent.Action(action).label}（演示数据）", "at": timezone.make_aware(
                    datetime.combine(campaign.end_date if action == "closed" else campaign.start_date - timedelta(days=3 if action == "created" else 0), time(9)))},
            )
    return active, closed


def build_teams(rng: random.Random, campaign: Campaign, villages: list[Region], units: dict[str, Unit], first_cadre: int) -> None:
    """Five cadres a village, the first its leader; a helping unit and the flags that got it chosen."""
    county_units = [units[name] for name in COUNTY_UNITS]
    targets = []
    for index, village in enumerate(villages):
        flags = rng.sample(TargetVillage.FLAGS, rng.choice((0, 1, 1, 2)))
        targets.append(TargetVillage(campaign=campaign, village=village, helping_unit=county_units[index % len(county_units)], **{f: True for f in flags}))
    TargetVillage.objects.bulk_create(targets, ignore_conflicts=True)
    targets = list(TargetVillage.objects.filter(campaign=campaign).order_by("village_id"))
    cadres = {u.username: u for u in User.objects.filter(username__startswith="gb")}
    existing = set(Assignment.objects.filter(target_village__campaign=campaign).values_list("cadre_id", flat=True))
    new = []
    for index, target in enumerate(targets):
        for n in range(5):
            cadre = cadres[f"gb{first_cadre + index * 5 + n:03d}"]
            if cadre.pk not in existing:
                role = Assignment.Role.LEADER if n == 0 else Assignment.Role.MEMBER
                new.append(Assignment(target_village=target, cadre=cadre, role=role, start_date=campaign.start_date, end_date=campaign.end_date))
    Assignment.objects.bulk_create(new)


def _with_bands(visits: list[Visit]) -> list[Visit]:
    """bulk_create writes what the services would have: the diaries' band hashes too."""
    for visit, bands in zip(visits, bands_of_many([v.diary for v in visits]), strict=True):
        visit.diary_bands = bands
    return visits


def _near(place: random.Random, village_code: str, *, metres: float) -> dict:
    """A phone's reading within about `metres` of the village committee (one reading in ten has no location)."""
    if place.random() < 0.1:
        return {}
    latitude, longitude = village_point(village_code)
    degrees = metres / 111_000
    return {"latitude": (latitude + Decimal(place.uniform(-degrees, degrees))).quantize(Decimal("0.000001")),
            "longitude": (longitude + Decimal(place.uniform(-degrees, degrees))).quantize(Decimal("0.000001"))}


def build_field_work(rng: random.Random, campaign: Campaign, today: date) -> None:
    """A few days of check-ins, visits (some with demands and deeds), pairings and residents' ratings.

    Built once: if the campaign already has visits, a re-run leaves everything as it is.
    """
    if Visit.objects.filter(assignment__target_village__campaign=campaign).exists():
        return
    assignments = list(Assignment.objects.filter(target_village__campaign=campaign).select_related("cadre", "target_village"))
    households = {}
    for household in Household.objects.filter(village__in=[a.target_village.village_id for a in assignments]).order_by("number"):
        households.setdefault(household.village_id, []).append(household)
    days = [campaign.start_date + timedelta(days=n) for n in range((min(today, campaign.end_date) - campaign.start_date).days + 1)]
    check_ins, visits, pairings, cases = [], [], [], []
    now = timezone.now()  # nothing is recorded in the future
    place = random.Random(7)  # where phones were, and the diaries' details: their own stream, so the rest stays as it was
    for assignment in assignments:
        village_households = households[assignment.target_village.village_id]
        paired = rng.sample(village_households, 2)
        pairings += [Pairing(campaign=campaign, cadre=assignment.cadre, household=h, needs=rng.choice(["子女就学", "产业发展资金", "危房改造", "就医报销", "技能培训"])) for h in paired]
        for day in days:
            present = rng.random() < 0.93  # a few are away each day: no check-in, and no visit that day
            if present:
                at = min(now, timezone.make_aware(datetime.combine(day, time(7 + rng.randrange(2), rng.randrange(60)))))
                check_ins.append(CheckIn(cadre=assignment.cadre, assignment=assignment, day=day, checked_at=at,
                                         **_near(place, assignment.target_village.village_id, metres=150)))
            for n in range(rng.choice((2, 3, 3, 4))):
                household = rng.choice(paired + village_households)
                deed, value = rng.choice(DEEDS) if rng.random() < 0.25 else ("", 0)
                visit = Visit(
                    client_id=uuid.UUID(int=rng.getrandbits(128)), cadre=assignment.cadre, assignment=assignment, household=household,
                    # Today's later visits are not made yet: entered in the last hour instead, ten minutes apart.
                    visited_on=day, recorded_at=min(now - timedelta(minutes=10 * (4 - n)),
                                                    timezone.make_aware(datetime.combine(day, time(9 + 3 * n, rng.randrange(60))))),
                    kinds=rng.sample(VisitKind.values, rng.choice((1, 2))), ate_together=rng.random() < 0.4,
                    stayed_overnight=n == 0 and rng.random() < 0.5, laboured_together=rng.random() < 0.3,
                    diary=diary_text(rng.choice(DIARY_LINES), place, household.head_name),
                    deed=deed, deed_value=value or None, **_near(place, assignment.target_village.village_id, metres=800),
                )
                if present:  # made either way, so the demo's random draws, and all that follows them, stay as they were
                    visits.append(visit)
    Pairing.objects.bulk_create(pairings)
    CheckIn.objects.bulk_create(check_ins)
    Visit.objects.bulk_create(_with_bands(visits))
    year = timezone.localtime().year
    counter, _created = CaseNumberCounter.objects.get_or_create(year=year)
    ensure_default_categories(CaseCategory)
    categories = {c.name: c for c in CaseCategory.objects.all()}
    calendar = deadlines.WorkingCalendar.load()
    for visit in Visit.objects.filter(assignment__target_village__campaign=campaign).select_related("household", "assignment__target_village").order_by("recorded_at", "pk"):
        if rng.random() < 0.06:
            summary, kind, category = rng.choice(DEMANDS)
            counter.last += 1
            received = timezone.localtime(visit.recorded_at).date()
            cases.append(Case(
                number=f"XF-{year}-{counter.last:06d}", type=kind, source=Case.Source.VISIT, summary=summary,
                category=categories[category], petitioner_name=visit.household.head_name, petitioner_phone=visit.household.phone,
                village_id=visit.assignment.target_village.village_id, household=visit.household, visit=visit,
                registered_by=visit.cadre, registered_at=visit.recorded_at,
                accept_due=received + timedelta(days=categories[category].accept_days),
                objection_due=calendar.add_working_days(received, categories[category].objection_working_days).due,
            ))
    Case.objects.bulk_create(cases)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, actor_id=case.registered_by_id, at=case.registered_at, action="register", to_status=Case.Status.REGISTERED)
        for case in Case.objects.filter(visit__assignment__target_village__campaign=campaign)
    )
    counter.save(update_fields=["last"])
    ratings = [Evaluation.Rating.SATISFIED] * 8 + [Evaluation.Rating.FAIRLY_SATISFIED] * 3 + [Evaluation.Rating.DISSATISFIED]
    evaluations = []
    visited = {v.household_id for v in visits}
    for target in sorted({a.target_village for a in assignments}, key=lambda t: t.pk):
        # Residents the team visited rate it, over the days of the campaign (a household never visited, or many
        # ratings within minutes, would be flagged: campaigns/flags.py).
        chosen = rng.sample(households[target.village_id], 15)
        spare = [h for h in households[target.village_id] if h.pk in visited and h not in chosen]
        for household in chosen:
            if household.pk not in visited and spare:
                household = spare.pop()
            rated_at = timezone.make_aware(datetime.combine(place.choice(days), time(place.randrange(8, 21), place.randrange(60))))
            rated_at = min(rated_at, now - timedelta(minutes=place.randrange(20, 600)))  # not in the future, nor all at once
            evaluations.append(Evaluation(campaign=campaign, target_village=target, household=household, rating=rng.choice(ratings),
                                          created_at=rated_at))
    Evaluation.objects.bulk_create(evaluations)


def build_fabrications(campaign: Campaign, today: date) -> None:
    """A handful of records as the 督查组 fear them (造假数字), for the flag queue: one cadre's yesterday entered in
    ten minutes from one spot far from the village, a cadre who never checked in, and a diary copied from another
    cadre's."""
    build_suspicious_day(campaign, today)
    members = list(Assignment.objects.filter(target_village__campaign=campaign, role=Assignment.Role.MEMBER).order_by("pk")
                   .select_related("cadre")[9:11])
    if len(members) < 2:
        return
    never, copier = members
    CheckIn.objects.filter(cadre=never.cadre, assignment__target_village__campaign=campaign).delete()
    original = Visit.objects.filter(assignment__target_village__campaign=campaign).exclude(cadre=copier.cadre).order_by("pk").first()
    copy = Visit.objects.filter(cadre=copier.cadre, recorded_at__gt=original.recorded_at).order_by("pk").first()
    if copy is None:
        return
    diary = original.diary.replace("。", "，", 1)
    Visit.objects.filter(pk=copy.pk).update(diary=diary, diary_bands=bands_of(diary))


def build_suspicious_day(campaign: Campaign, today: date) -> None:
    """One cadre's yesterday as the 督查组 fear it (造假数字): six households' visits entered within ten minutes
    from one spot five kilometres from the village, and no check-in that day. The flag queue shows it."""
    yesterday = today - timedelta(days=1)
    assignment = (Assignment.objects.filter(target_village__campaign=campaign, role=Assignment.Role.MEMBER).order_by("pk")
                  .select_related("cadre", "target_village")[5:6].first())
    if assignment is None or not campaign.start_date <= yesterday or Visit.objects.filter(cadre=assignment.cadre, diary__startswith="（补记）").exists():
        return
    CheckIn.objects.filter(cadre=assignment.cadre, day=yesterday).delete()
    latitude, longitude = village_point(assignment.target_village.village_id)
    spot = {"latitude": latitude + Decimal("0.045000"), "longitude": longitude}
    start = timezone.make_aware(datetime.combine(yesterday, time(21, 5)))
    households = Household.objects.filter(village_id=assignment.target_village.village_id).order_by("number")[10:16]
    Visit.objects.bulk_create(_with_bands([
        Visit(client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-suspicious-{n}"), cadre=assignment.cadre, assignment=assignment, household=household,
              visited_on=yesterday, recorded_at=start + timedelta(minutes=2 * n), kinds=["living"], diary=f"（补记）{line}", **spot)
        for n, (household, line) in enumerate(zip(households, DIARY_LINES, strict=False))
    ]))
