"""Reads for the campaign pages; each decides its joins so a page's query count is fixed here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case as SqlCase  # grievances' Case is the case model
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Region, User
from accounts.scoping import within_jurisdiction
from core import pii
from core.geo import distance_between_m
from grievances.models import Case

from .flags import with_distance
from .models import (
    PHONE_EDITABLE_FIELDS,
    Assignment,
    Campaign,
    CampaignEvent,
    CheckIn,
    Evaluation,
    Flag,
    Household,
    HouseholdEdit,
    HouseholdTag,
    ImportJob,
    Pairing,
    TargetVillage,
    Visit,
)


def correlated_count(queryset, group_by: str, counted: str):
    """A correlated COUNT subquery: independent of the joins the visibility filter added."""
    return Coalesce(
        Subquery(queryset.values(group_by).annotate(n=Count(counted, distinct=True)).values("n")[:1], output_field=IntegerField()), 0
    )


def campaign_list(user: User, *, status: str = "", search: str = ""):
    campaigns = (
        Campaign.objects.visible_to(user)
        .select_related("organiser_region")
        .annotate(
            village_count=correlated_count(TargetVillage.objects.filter(campaign=OuterRef("pk")), "campaign", "pk"),
            cadre_count=correlated_count(Assignment.objects.filter(target_village__campaign=OuterRef("pk")), "target_village__campaign", "cadre"),
        )
        .order_by("-start_date", "name", "pk")  # GROUP BY drops Meta.ordering
    )
    if status:
        campaigns = campaigns.filter(status=status)
    if search:
        campaigns = campaigns.filter(Q(name__icontains=search) | Q(theme__icontains=search))
    return campaigns


def campaign_for(user: User, pk: int) -> Campaign:
    """The campaign if the user may see it, else 404."""
    return get_object_or_404(Campaign.objects.visible_to(user).select_related("organiser_region", "organiser_unit"), pk=pk)


def can_see_history(user: User, campaign: Campaign) -> bool:
    """The change log names every village and cadre: only for those whose jurisdiction holds the whole campaign."""
    return user.has_perm("campaigns.view_campaignevent") and within_jurisdiction(user, campaign.organiser_region_id)


def can_manage(user: User, campaign: Campaign) -> bool:
    return not campaign.is_closed and Campaign.objects.managed_by(user).filter(pk=campaign.pk).exists()


def target_villages(campaign: Campaign, user: User, *, today=None):
    """The campaign's villages the user may see, with team size and current leader."""
    today = today or timezone.localdate()
    current = Assignment.objects.filter(target_village=OuterRef("pk"), end_date__gte=today)
    leader = current.filter(role=Assignment.Role.LEADER).values("cadre__real_name")[:1]
    return (
        TargetVillage.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("village__parent", "helping_unit")
        .annotate(team_size=correlated_count(current, "target_village", "cadre"), leader_name=Subquery(leader))
        .order_by("village_id")
    )


def target_village_for(user: User, campaign: Campaign, pk: int) -> TargetVillage:
    return get_object_or_404(
        TargetVillage.objects.visible_to(user).filter(campaign=campaign).select_related("village__parent", "helping_unit"), pk=pk
    )


def team(target: TargetVillage):
    """Everyone ever assigned to the village in this campaign, current first, history after."""
    return target.assignments.select_related("cadre__unit").order_by("-end_date", "role", "cadre__real_name")


def assignment_for(user: User, campaign: Campaign, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.visible_to(user).filter(target_village__campaign=campaign).select_related("cadre", "target_village__village"),
        pk=pk,
    )


def village_picker(user: User, campaign: Campaign, *, township: str = "", search: str = ""):
    """Villages of the user's jurisdiction inside the campaign's region, for the picker; and the townships to filter by."""
    regions = Region.objects.visible_to(user).in_region(campaign.organiser_region_id)
    villages = regions.villages().select_related("parent")
    if township:
        villages = villages.filter(parent_id=township)
    if search:
        villages = villages.filter(Q(name__icontains=search) | Q(code__startswith=search))
    chosen = set(campaign.target_villages.values_list("village_id", flat=True))
    return regions.townships(), villages, chosen


def village_list(user: User):
    """Every village of the user's jurisdiction with its township, ordered by code: the 村代码 the roster
    templates ask for."""
    return Region.objects.visible_to(user).villages().select_related("parent").order_by("code")


def campaign_events(campaign: Campaign):
    return CampaignEvent.objects.filter(campaign=campaign).select_related("actor")


def import_jobs(user: User):
    return ImportJob.objects.visible_to(user).select_related("campaign")


def import_job_for(user: User, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(user).select_related("campaign"), pk=pk)


# --- Field work (cadres) ----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    households_visited: int
    nights_stayed: int
    deeds_done: int
    visits: int


def my_assignment(cadre: User, *, today=None) -> Assignment | None:
    """Today's assignment in an active campaign, with village, campaign and current team leader."""
    today = today or timezone.localdate()
    leader = Assignment.objects.filter(target_village=OuterRef("target_village"), role=Assignment.Role.LEADER).current_on(today)
    return (
        Assignment.objects.posted(cadre, today)
        .select_related("target_village__village__parent", "target_village__campaign")
        .annotate(leader_name=Subquery(leader.values("cadre__real_name")[:1]))
        .first()
    )


def my_progress(cadre: User, campaign: Campaign) -> Progress:
    """Counts against the campaign's per-cadre targets, from the cadre's visits."""
    visits = Visit.objects.filter(cadre=cadre, assignment__target_village__campaign=campaign)
    totals = visits.aggregate(
        visits=Count("pk"),
        households=Count("household", distinct=True),
        nights=Count("visited_on", filter=Q(stayed_overnight=True), distinct=True),
        deeds=Count("pk", filter=~Q(deed="")),
    )
    return Progress(totals["households"], totals["nights"], totals["deeds"], totals["visits"])


def checked_in_today(cadre: User, *, today=None) -> CheckIn | None:
    return CheckIn.objects.filter(cadre=cadre, day=today or timezone.localdate()).first()


def my_pairings(cadre: User, campaign: Campaign):
    return Pairing.objects.filter(cadre=cadre, campaign=campaign).select_related("household")


def diary(user: User):
    """The user's own visits, newest first, with what the diary page shows."""
    return (
        Visit.objects.visible_to(user).filter(cadre=user)
        .select_related("household", "assignment__target_village__village")
        .annotate(case_count=Count("cases"))
        .order_by("-recorded_at")
    )


def visit_for(user: User, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.visible_to(user).select_related("household", "cadre", "assignment__target_village__village"), pk=pk
    )


def open_conflicts(user: User, household: Household | None = None):
    """The user's household edits from the phone that met someone else's change and wait for a choice."""
    edits = HouseholdEdit.objects.filter(actor=user, state=HouseholdEdit.State.CONFLICT, household__in=Household.objects.visible_to(user))
    return (edits.filter(household=household) if household else edits).select_related("household").order_by("received_at")


def household_visits(user: User, household: Household, limit: int = 10):
    """The household's latest visits that the user may read (Visit.visible_to: their own, their team's, their jurisdiction's)."""
    return Visit.objects.visible_to(user).filter(household=household).select_related("cadre").order_by("-recorded_at")[:limit]


@dataclass(frozen=True)
class HouseholdWhole:
    """A household's whole record as the viewer may see it (its page): cases, pairings, ratings, profile history."""

    cases: list
    pairings: list
    ratings: list
    history: list  # of ProfileChange, the latest first


@dataclass(frozen=True)
class ProfileChange:
    at: datetime.datetime
    by: str
    created: bool
    fields: list  # of (label, before, after)


HISTORY_SHOWN = 200  # profile changes read for one household (a household changes a few times a year)


def household_whole(user: User, household: Household) -> HouseholdWhole:
    """Everything about the household the user may see: the cases of the household (with status), the pairings
    and the ratings it gave, each through its own scoping, and who changed its profile fields, when (Household.history)."""
    return HouseholdWhole(
        cases=list(Case.objects.visible_to(user).filter(household=household).select_related("category").order_by("-registered_at")),
        pairings=list(Pairing.objects.visible_to(user).filter(household=household).select_related("cadre", "campaign").order_by("-created_at")),
        ratings=list(Evaluation.objects.visible_to(user).filter(household=household).select_related("campaign").order_by("-created_at")),
        history=profile_history(household),
    )


def profile_history(household: Household) -> list[ProfileChange]:
    """The household's profile changes, the latest first: each field that changed, before and after (the phone masked)."""
    records = list(household.history.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_SHOWN])
    records.reverse()
    changes, previous = [], None
    for record in records:
        if previous is None:
            fields = [] if record.history_type == "+" else [(_field_label(name), "", _shown(name, getattr(record, name)))
                                                          for name in TRACKED if getattr(record, name) not in ("", None, [])]
        else:
            fields = [(_field_label(c.field), _shown(c.field, c.old), _shown(c.field, c.new)) for c in record.diff_against(previous).changes]
        if fields or record.history_type == "+":
            user = record.history_user
            changes.append(ProfileChange(record.history_date, user.real_name if user else "", record.history_type == "+", fields))
        previous = record
    changes.reverse()
    return changes


TRACKED = [*PHONE_EDITABLE_FIELDS, "phone"]  # the profile fields a person edits (the ID number is kept apart)


def _field_label(name: str) -> str:
    return str(Household._meta.get_field(name).verbose_name)


def _shown(name: str, value) -> str:
    if name == "tags":
        return "、".join(str(HouseholdTag(t).label) for t in value or [] if t in HouseholdTag.values)
    if name == "phone":
        return pii.mask_phone(value) if value else ""
    return "" if value is None else str(value)


def visit_cases(user: User, visit: Visit):
    """The cases a visit's demands became, as far as the user sees them."""
    return Case.objects.visible_to(user).filter(visit=visit).order_by("number")


def village_households(user: User, village_code: str, *, search: str = ""):
    households = Household.objects.visible_to(user).filter(village_id=village_code)
    if search:
        households = households.filter(Q(head_name__icontains=search) | Q(address__icontains=search) | Q(number__startswith=search))
    return households.order_by("number")


def household_for(user: User, pk: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(user).select_related("village"), pk=pk)


PICKER_PAGE_SIZE = 20  # households per page of the visit form's picker
RECENT_VISITS = 20  # the cadre's latest visits whose households come next after the paired ones


def pickable_households(cadre: User, assignment: Assignment):
    """Every household a visit of this assignment may be about: today's village, as far as the cadre sees it.
    The visit form checks a posted choice against this, whatever the page offered."""
    return Household.objects.visible_to(cadre).filter(village_id=assignment.target_village.village_id)


def household_picker(cadre: User, assignment: Assignment, *, search: str = "", page: int = 1,
                     size: int = PICKER_PAGE_SIZE) -> tuple[list[Household], bool]:
    """A page of today's village's households for the visit form's picker, and whether more follow.

    Paired with the cadre in this campaign first, then those of the cadre's latest visits (latest first), then
    by number; `search` matches the start of the number, or part of the head's name or the address. Three
    queries whatever the size of the village; only the columns a picker shows are read (no ID number)."""
    paired, recent = _picker_order(cadre, assignment)
    households = pickable_households(cadre, assignment).only("pk", "village_id", "number", "head_name", "address", "phone")
    if search:
        households = households.filter(Q(number__startswith=search) | Q(head_name__icontains=search) | Q(address__icontains=search))
    households = households.annotate(
        is_paired=SqlCase(When(pk__in=paired, then=Value(True)), default=Value(False)) if paired else Value(False),
        recent_rank=SqlCase(*[When(pk=pk, then=Value(rank)) for rank, pk in enumerate(recent)], default=Value(len(recent)))
        if recent else Value(0),
    ).order_by("-is_paired", "recent_rank", "number", "pk")
    start = (max(page, 1) - 1) * size
    rows = list(households[start:start + size + 1])
    for household in rows:
        household.is_recent = household.recent_rank < len(recent)
    return rows[:size], len(rows) > size


def household_shortlist(cadre: User, assignment: Assignment, *, chosen: int | None = None) -> list[Household]:
    """What the visit form lists without a search: the picker's first page (paired, recent, then by number), and
    the chosen household first when it is not on that page (a link from its page, or a form shown again).
    At most four queries, whatever the size of the village."""
    households, _more = household_picker(cadre, assignment)
    if chosen and chosen not in {h.pk for h in households}:
        extra = pickable_households(cadre, assignment).only("pk", "village_id", "number", "head_name", "address", "phone").filter(pk=chosen).first()
        if extra is not None:
            households.insert(0, extra)
    return households


BUNDLE_VISITS = 3  # latest visits per household in the village bundle, as its page shows them offline


@dataclass
class VillageBundle:
    """Today's village as the phone keeps it (views.fieldwork.village_bundle): every household, masked."""

    households: list[Household]
    visits: dict[int, list[Visit]]  # household pk -> its latest visits the cadre may read, latest first
    paired: set[int]
    recent: list[int]  # household pks of the cadre's latest visits, latest first


def _picker_order(cadre: User, assignment: Assignment) -> tuple[list[int], list[int]]:
    paired = list(Pairing.objects.filter(cadre=cadre, campaign=assignment.target_village.campaign_id).values_list("household", flat=True))
    latest = Visit.objects.filter(cadre=cadre, household__isnull=False).order_by("-recorded_at").values_list("household", flat=True)
    return paired, list(dict.fromkeys(latest[:RECENT_VISITS]))


def village_bundle_version(cadre: User, assignment: Assignment) -> str:
    """Changes whenever the bundle would: a household added, changed or removed, a visit or pairing recorded."""
    households = pickable_households(cadre, assignment).aggregate(n=Count("pk"), changed=Max("updated_at"))
    visits = Visit.objects.visible_to(cadre).filter(household__village_id=assignment.target_village.village_id).aggregate(
        n=Count("pk"), changed=Max("updated_at"))
    paired, recent = _picker_order(cadre, assignment)
    return ":".join(str(part) for part in (assignment.pk, households["n"], households["changed"], visits["n"], visits["changed"],
                                          sorted(paired), recent))


def village_bundle(cadre: User, assignment: Assignment) -> VillageBundle:
    """Every household of today's village with its latest visits, for the phone to keep: four queries whatever
    the size of the village, and only masked personal data leaves (the views read masked_* properties)."""
    paired, recent = _picker_order(cadre, assignment)
    households = list(pickable_households(cadre, assignment).defer("id_number_hash").order_by("number", "pk"))
    latest = (Visit.objects.visible_to(cadre).filter(household__village_id=assignment.target_village.village_id)
              .select_related("cadre").only("pk", "household_id", "visited_on", "recorded_at", "diary", "cadre__real_name")
              .annotate(rank=Window(RowNumber(), partition_by=F("household"), order_by=F("recorded_at").desc()))
              .filter(rank__lte=BUNDLE_VISITS).order_by("household", "rank"))
    visits: dict[int, list[Visit]] = {}
    for visit in latest:
        visits.setdefault(visit.household_id, []).append(visit)
    return VillageBundle(households, visits, set(paired), recent)


def team_village_for(user: User, pk: int, *, today=None) -> TargetVillage:
    """A target village for its ledger or rating link: its households must be visible to the user
    (their jurisdiction, or posted there today), not merely the team."""
    target = get_object_or_404(TargetVillage.objects.visible_to(user).select_related("village", "campaign"), pk=pk)
    posted_today = Assignment.objects.filter(cadre=user, target_village=target).current_on(today or timezone.localdate()).exists()
    if not (within_jurisdiction(user, target.village_id) or posted_today):
        raise Http404
    return target


def village_ledger(user: User, target: TargetVillage):
    """民情台账: every household of the village with its visits and demands in this campaign."""
    visits = Visit.objects.visible_to(user).filter(household=OuterRef("pk"), assignment__target_village=target)
    pairing = Pairing.objects.filter(household=OuterRef("pk"), campaign=target.campaign_id)
    return (
        Household.objects.visible_to(user).filter(village_id=target.village_id)
        .annotate(
            visit_count=correlated_count(visits, "household", "pk"),
            last_visit=Subquery(visits.order_by("-visited_on").values("visited_on")[:1]),
            demand_count=correlated_count(
                Case.objects.visible_to(user).filter(household=OuterRef("pk"), visit__assignment__target_village=target), "household", "pk"
            ),
            paired_with=Subquery(pairing.values("cadre__real_name")[:1]),
        )
        .order_by("number")
    )


def absent_today(user: User, *, today=None):
    """擅自离岗 candidates: cadres of the user's jurisdiction posted today who have not checked in."""
    today = today or timezone.localdate()
    return (
        Assignment.objects.visible_to(user)
        .filter(target_village__campaign__status=Campaign.Status.ACTIVE)
        .current_on(today)
        .exclude(cadre__check_ins__day=today)
        .select_related("cadre__unit", "target_village__village__parent", "target_village__campaign")
        .order_by("target_village__village_id", "cadre__real_name")
    )


def flag_queue(user: User, *, state: str = "", rule: str = "", township: Region | None = None, campaign: Campaign | None = None,
               cadre: int | None = None):
    """核查提示 the user may see (their jurisdiction's; a cadre's own), newest first, with what a row shows."""
    flags = Flag.objects.visible_to(user).select_related("village__parent", "cadre", "campaign")
    if state:
        flags = flags.filter(state=state)
    if rule:
        flags = flags.filter(rule=rule)
    if township is not None:
        flags = flags.filter(village__parent=township)
    if campaign is not None:
        flags = flags.filter(campaign=campaign)
    if cadre:
        flags = flags.filter(cadre_id=cadre)
    return flags.order_by("-found_at", "-pk")


def flag_for(user: User, pk: int) -> Flag:
    return get_object_or_404(Flag.objects.visible_to(user).select_related("village__parent", "cadre", "campaign", "reviewed_by"), pk=pk)


@dataclass
class FlagRecords:
    """The records behind a flag, as far as the user may see them, visits and check-ins with their distance from the village."""

    visits: list[Visit]
    check_ins: list[CheckIn]
    evaluations: list
    case: Case | None


def flag_records(user: User, flag: Flag) -> FlagRecords:
    visits = (with_distance(Visit.objects.visible_to(user).filter(flags=flag))
              .select_related("cadre", "household", "assignment__target_village__village").order_by("visited_on", "recorded_at"))
    check_ins = with_distance(CheckIn.objects.visible_to(user).filter(flags=flag)).select_related("cadre").order_by("day")
    evaluations = Evaluation.objects.visible_to(user).filter(flags=flag).select_related("household").order_by("created_at")
    case = Case.objects.visible_to(user).filter(pk=flag.case_id).first() if flag.case_id else None
    return FlagRecords(list(visits), list(check_ins), list(evaluations), case)


def open_flags_about(cadre: User) -> int:
    """How many flags about the cadre wait for review: 我的工作 says so, for them to explain."""
    return Flag.objects.filter(cadre=cadre, state=Flag.State.OPEN).count()


PROPOSAL_DAYS = 90  # the check-ins a proposed reference point is the median of


@dataclass
class VillagePoint:
    """A village with its reference point and the one its check-ins propose (the median, for an admin to confirm)."""

    village: Region
    check_ins: int = 0
    proposed: tuple | None = None  # (latitude, longitude)
    moved_m: float | None = None  # from the stored point to the proposal


def _median(values: list) -> object:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def village_points(user: User, villages: list[Region], *, today=None) -> list[VillagePoint]:
    """For a page of villages: each one's stored point and the median of its located check-ins of the last
    PROPOSAL_DAYS days (one query for the page)."""
    since = (today or timezone.localdate()) - datetime.timedelta(days=PROPOSAL_DAYS)
    located = (CheckIn.objects.in_jurisdiction_of(user).filter(assignment__target_village__village__in=villages, day__gte=since)
               .exclude(latitude=None).exclude(longitude=None)
               .values_list("assignment__target_village__village", "latitude", "longitude"))
    points: dict[str, list] = {}
    for village, latitude, longitude in located:
        points.setdefault(village, []).append((latitude, longitude))
    rows = []
    for village in villages:
        found = points.get(village.code, [])
        row = VillagePoint(village, len(found))
        if found:
            row.proposed = (_median([p[0] for p in found]).quantize(Decimal("0.000001")), _median([p[1] for p in found]).quantize(Decimal("0.000001")))
            if village.latitude is not None:
                row.moved_m = distance_between_m((float(village.latitude), float(village.longitude)), tuple(map(float, row.proposed)))
        rows.append(row)
    return rows
