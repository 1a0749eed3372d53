"""The rules that flag field numbers which look fabricated (造假数字, 车来车往、蜻蜓点水).

Each rule reads a `Look` — the records just written (services.flags_check, after each write) or everything
recent (the nightly pass) — and yields `Finding`s: what it found, about which records, in plain Chinese.
services.flags records a finding once per rule and key (models.Flag), however often the rules run.
Rules only read; thresholds come from models.FlagThresholds, which an administrator sets.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from core.geo import distance_between_m, distance_m
from grievances.models import CaseEvent

from .models import CheckIn, Evaluation, Flag, FlagRule, FlagThresholds, Visit, VisitRevision
from .models.fieldwork import LATE_DAYS_ALLOWED

Severity = Flag.Severity


@dataclass
class Finding:
    rule: FlagRule
    key: str
    evidence: str
    village_id: str
    severity: int = Severity.MEDIUM
    campaign_id: int | None = None
    cadre_id: int | None = None
    case_id: int | None = None
    visits: list[int] = field(default_factory=list)
    check_ins: list[int] = field(default_factory=list)
    evaluations: list[int] = field(default_factory=list)


@dataclass
class Look:
    """What the rules look at. `visits` also brings in the rest of each cadre's day where a rule judges a day."""

    visits: QuerySet
    check_ins: QuerySet
    evaluations: QuerySet
    cases: QuerySet
    today: datetime.date
    campaigns_ended: QuerySet | None = None  # the nightly pass: campaigns whose last day is just over

    def __post_init__(self):
        self._days = None

    @staticmethod
    def some(records: QuerySet) -> bool:
        """False for a set known empty without asking the database (.none(): the check after one write has only
        visits, or only a rating). Compiling a query that cannot match costs as much as running a small one."""
        return not records.query.is_empty()

    def days(self) -> dict[tuple[int, datetime.date], list[Visit]]:
        """Every visit of the cadre-days the visits fall on, by cadre and day, in order of entry (read once)."""
        if self._days is None:
            self._days = _by_day(_days_of(self.visits)) if self.some(self.visits) else {}
        return self._days


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def entered_at():
    """When a visit was entered: on the phone, or received by the server."""
    return Coalesce("phone_recorded_at", "recorded_at")


def _with_place(visits: QuerySet) -> QuerySet:
    return visits.select_related("assignment__target_village__village", "assignment__target_village__campaign", "household")


def _days_of(visits: QuerySet) -> QuerySet:
    """Every visit of the cadre-days the given visits fall on."""
    same_day = Exists(visits.filter(cadre=OuterRef("cadre"), visited_on=OuterRef("visited_on")))
    return _with_place(Visit.objects.filter(same_day)).annotate(entered=entered_at()).order_by("cadre", "visited_on", "entered", "pk")


def _by_day(visits: QuerySet) -> dict[tuple[int, datetime.date], list[Visit]]:
    days: dict[tuple[int, datetime.date], list[Visit]] = defaultdict(list)
    for visit in visits:
        days[visit.cadre_id, visit.visited_on].append(visit)
    return days


def _about(visit: Visit, **extra) -> dict:
    target = visit.assignment.target_village
    return {"village_id": target.village_id, "campaign_id": target.campaign_id, "cadre_id": visit.cadre_id, **extra}


def _household(visit: Visit) -> str:
    return visit.household.head_name if visit.household else _("village-level activity")


# --- attendance: a visit, or a night stayed, on a day without a check-in (judged once the day is over) --------

def visits_without_check_in(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    over = {key: visits for key, visits in look.days().items() if key[1] < look.today}  # a check-in may still come today
    if not over:
        return
    cadres, days = {cadre for cadre, _day in over}, {day for _cadre, day in over}
    checked = set(CheckIn.objects.filter(cadre__in=cadres, day__in=days).values_list("cadre", "day"))
    for (cadre, day), visits in over.items():
        if (cadre, day) in checked:
            continue
        yield Finding(FlagRule.VISIT_WITHOUT_CHECK_IN, f"cadre:{cadre}:{day}", _("%(day)s: %(count)s visits recorded, no check-in that day.")
                      % {"day": day.isoformat(), "count": len(visits)}, visits=[v.pk for v in visits], **_about(visits[0]))
        for visit in (v for v in visits if v.stayed_overnight):
            yield Finding(FlagRule.OVERNIGHT_WITHOUT_CHECK_IN, f"visit:{visit.pk}", _(
                "%(day)s: stayed overnight (同住) with %(household)s, no check-in that day.") % {
                "day": visit.visited_on.isoformat(), "household": _household(visit)}, severity=Severity.HIGH, visits=[visit.pk], **_about(visit))


# --- place and dates: outside the assignment's dates, or far from the village ------------------------------

def outside_assignment(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    outside = Q(visited_on__lt=F("assignment__start_date")) | Q(visited_on__gt=F("assignment__end_date"))
    for visit in _with_place(look.visits.filter(outside)).select_related("assignment") if look.some(look.visits) else ():
        yield Finding(FlagRule.OUTSIDE_ASSIGNMENT, f"visit:{visit.pk}", _("A visit on %(day)s, outside the assignment (%(start)s to %(end)s).") % {
            "day": visit.visited_on.isoformat(), "start": visit.assignment.start_date.isoformat(), "end": visit.assignment.end_date.isoformat()},
            visits=[visit.pk], **_about(visit))
    outside = Q(day__lt=F("assignment__start_date")) | Q(day__gt=F("assignment__end_date"))
    for check in look.check_ins.filter(outside).select_related("assignment__target_village") if look.some(look.check_ins) else ():
        target = check.assignment.target_village
        yield Finding(FlagRule.OUTSIDE_ASSIGNMENT, f"checkin:{check.pk}", _("A check-in on %(day)s, outside the assignment (%(start)s to %(end)s).") % {
            "day": check.day.isoformat(), "start": check.assignment.start_date.isoformat(), "end": check.assignment.end_date.isoformat()},
            village_id=target.village_id, campaign_id=target.campaign_id, cadre_id=check.cadre_id, check_ins=[check.pk])


VILLAGE = "assignment__target_village__village__"


def with_distance(records: QuerySet) -> QuerySet:
    """Visits or check-ins with `distance_m` from their village's reference point (None where either is unknown)."""
    return records.annotate(distance_m=distance_m("latitude", "longitude", f"{VILLAGE}latitude", f"{VILLAGE}longitude"))


def far_from_village(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    far = _with_place(with_distance(look.visits).filter(distance_m__gt=t.far_from_village_m)) if look.some(look.visits) else ()
    for visit in far:
        yield Finding(FlagRule.FAR_FROM_VILLAGE, f"visit:{visit.pk}", _("The visit to %(household)s was located %(distance)s m from %(village)s.") % {
            "household": _household(visit), "distance": f"{visit.distance_m:.0f}", "village": visit.assignment.target_village.village.name},
            visits=[visit.pk], **_about(visit))
    far = with_distance(look.check_ins).filter(distance_m__gt=t.far_from_village_m).select_related("assignment__target_village__village")
    for check in far if look.some(look.check_ins) else ():
        target = check.assignment.target_village
        yield Finding(FlagRule.FAR_FROM_VILLAGE, f"checkin:{check.pk}", _("The check-in of %(day)s was located %(distance)s m from %(village)s.") % {
            "day": check.day.isoformat(), "distance": f"{check.distance_m:.0f}", "village": target.village.name},
            village_id=target.village_id, campaign_id=target.campaign_id, cadre_id=check.cadre_id, check_ins=[check.pk])


# --- pace: a cadre's day entered faster, or from fewer places, than visits can be made --------------------------

def _busiest_hour(visits: list[Visit]) -> list[Visit]:
    """The most visits to households whose entries fit in one hour (the day's visits in order of entry)."""
    best: list[Visit] = []
    start = 0
    for end in range(len(visits)):
        while visits[end].entered - visits[start].entered > datetime.timedelta(hours=1):
            start += 1
        if end - start + 1 > len(best):
            best = visits[start:end + 1]
    return best


def pace(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    for (cadre, day), visits in look.days().items():
        visits = [v for v in visits if v.household_id]
        if not visits:
            continue
        hour = _busiest_hour(visits)
        if len(hour) > t.visits_per_hour:
            yield Finding(FlagRule.TOO_MANY_IN_AN_HOUR, f"cadre:{cadre}:{day}", _(
                "%(day)s: %(count)s households' visits entered within one hour (%(start)s–%(end)s).") % {
                "day": day.isoformat(), "count": len(hour), "start": _local(hour[0].entered), "end": _local(hour[-1].entered)},
                severity=Severity.LOW, visits=[v.pk for v in hour], **_about(visits[0]))
        quick = [(a, b) for a, b in zip(visits, visits[1:], strict=False)
                 if a.household_id != b.household_id and b.entered - a.entered < datetime.timedelta(minutes=t.minutes_apart)]
        if len(quick) >= t.minutes_apart_count:
            pairs = sorted({v.pk for pair in quick for v in pair})
            yield Finding(FlagRule.MINUTES_APART, f"cadre:{cadre}:{day}", _(
                "%(day)s: %(count)s times, visits to different households entered less than %(minutes)s minutes apart.") % {
                "day": day.isoformat(), "count": len(quick), "minutes": t.minutes_apart}, severity=Severity.LOW, visits=pairs, **_about(visits[0]))


def _largest_spot(visits: list[Visit], radius_m: float) -> list[Visit]:
    """The largest set of the day's visits within `radius_m` of one of them."""
    best: list[Visit] = []
    for centre in visits:
        near = [v for v in visits if distance_between_m((centre.lat, centre.lon), (v.lat, v.lon)) <= radius_m]
        if len({v.household_id for v in near}) > len({v.household_id for v in best}):
            best = near
    return best


def same_spot(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    for (cadre, day), visits in look.days().items():
        visits = [v for v in visits if v.household_id and v.latitude is not None and v.longitude is not None]
        if not visits:
            continue
        for visit in visits:
            visit.lat, visit.lon = float(visit.latitude), float(visit.longitude)
        spot = _largest_spot(visits, t.same_spot_m)
        households = len({v.household_id for v in spot})
        if households >= t.same_spot_households:
            minutes = max(1, round((spot[-1].entered - spot[0].entered).total_seconds() / 60))
            yield Finding(FlagRule.SAME_SPOT, f"cadre:{cadre}:{day}", _(
                "The same coordinates (±%(radius)s m) recorded visits to %(count)s households within %(minutes)s minutes on %(day)s.") % {
                "radius": t.same_spot_m, "count": households, "minutes": minutes, "day": day.isoformat()},
                severity=Severity.HIGH if households >= 2 * t.same_spot_households else Severity.MEDIUM,
                visits=[v.pk for v in spot], **_about(visits[0]))


# --- text: a diary that is a near copy of an earlier visit's (candidates by MinHash band, judged by pg_trgm) ------

# A band shared by more visits than this is a stock phrase's, not a copy's (the line all diaries of a kind start
# with): only this many of its visits are compared. A copy shares about three of its twelve bands.
HOT_BAND = 200


def _sharing_a_band(visit: Visit) -> RawSQL:
    """The ids of other visits that share a band with the visit's diary (index visit_diary_bands), at most HOT_BAND a band."""
    table = connection.ops.quote_name(Visit._meta.db_table)
    return RawSQL(  # nosec B611 - the diary's bands and the visit id are parameters; the table name is the model's
        f"SELECT hit.id FROM unnest(%s::bigint[]) AS band(hash) CROSS JOIN LATERAL "  # nosec B608 - the model's table name
        f"(SELECT id FROM {table} WHERE diary_bands @> ARRAY[band.hash] AND id <> %s LIMIT {HOT_BAND}) AS hit",
        [visit.diary_bands, visit.pk])


def copied_diaries(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    """The visits that share a band with the diary (core/minhash.py) are the few that may be copies; pg_trgm's
    similarity says which are."""
    if connection.vendor != "postgresql" or not look.some(look.visits):
        return  # the zero-setup SQLite has no pg_trgm
    for visit in _with_place(look.visits.exclude(diary_bands=[])):
        text = visit.diary.strip()
        if len(text) < t.diary_min_length:
            continue
        earlier = list(Visit.objects.filter(pk__in=_sharing_a_band(visit), recorded_at__lt=visit.recorded_at)
                       .annotate(similarity=TrigramSimilarity("diary", text)).filter(similarity__gte=t.diary_similarity)
                       .select_related("cadre").order_by("-similarity", "-recorded_at")[:5])
        if not earlier:
            continue
        first = earlier[0]
        same = first.cadre_id == visit.cadre_id
        yield Finding(FlagRule.COPIED_DIARY, f"visit:{visit.pk}", _(
            "The diary is %(percent)s%% similar to that of the visit of %(day)s by %(cadre)s.") % {
            "percent": round(first.similarity * 100), "day": first.visited_on.isoformat(), "cadre": _("the same cadre") if same else first.cadre.real_name},
            severity=Severity.MEDIUM if same else Severity.HIGH, visits=[visit.pk, *(v.pk for v in earlier)], **_about(visit))


# --- dates: most visits on the last day, or many entries back-dated to the limit ------------------------------

def last_day_rush(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if look.campaigns_ended is None:
        return
    for campaign in look.campaigns_ended:
        visits = Visit.objects.filter(assignment__target_village__campaign=campaign).annotate(entered_day=TruncDate(entered_at()))
        totals = visits.values("cadre").annotate(total=Count("pk"), last=Count("pk", filter=Q(entered_day=campaign.end_date)))
        for row in totals.filter(total__gte=t.last_day_min_visits):
            if row["last"] / row["total"] < t.last_day_share:
                continue
            last = list(_with_place(visits.filter(cadre=row["cadre"], entered_day=campaign.end_date)))
            yield Finding(FlagRule.LAST_DAY_RUSH, f"campaign:{campaign.pk}:cadre:{row['cadre']}", _(
                "%(last)s of the cadre's %(total)s visits in this campaign were entered on its last day, %(day)s.") % {
                "last": row["last"], "total": row["total"], "day": campaign.end_date.isoformat()}, visits=[v.pk for v in last], **_about(last[0]))


def backdated_in_bulk(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if not look.some(look.visits):
        return
    entered_day = Cast(TruncDate(entered_at()), DateField())
    days = (look.visits.annotate(entered_day=entered_day).filter(visited_on__lte=F("entered_day") - datetime.timedelta(days=LATE_DAYS_ALLOWED))
            .values("cadre", "entered_day").distinct())
    for day in days:
        late = list(_with_place(Visit.objects.annotate(entered_day=entered_day).filter(
            cadre=day["cadre"], entered_day=day["entered_day"], visited_on__lte=day["entered_day"] - datetime.timedelta(days=LATE_DAYS_ALLOWED))))
        if len(late) >= t.backdated_count:
            yield Finding(FlagRule.BACKDATED_IN_BULK, f"cadre:{day['cadre']}:{day['entered_day']}", _(
                "%(count)s visits entered on %(day)s were dated %(days)s days back or more, the most the rule allows.") % {
                "count": len(late), "day": day["entered_day"].isoformat(), "days": LATE_DAYS_ALLOWED}, visits=[v.pk for v in late], **_about(late[0]))


# --- edits: 实事 or 三同 changed after the entry (the visit's edit history) ---------------------------------------

WATCHED = {"deed": _("practical deed"), "deed_value": _("its value (yuan)"), "ate_together": _("ate together"),
           "stayed_overnight": _("stayed overnight"), "laboured_together": _("laboured together")}


def _as_text(value) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value) if value not in (None, "") else "—"


def changed_afterwards(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if not look.some(look.visits):
        return
    revised = look.visits.filter(Exists(VisitRevision.objects.filter(visit=OuterRef("pk"))))
    for visit in _with_place(revised).prefetch_related("revisions"):
        first = min(visit.revisions.all(), key=lambda r: r.edited_at).previous  # as first entered
        now = {"deed": visit.deed, "deed_value": str(visit.deed_value) if visit.deed_value is not None else None, "ate_together": visit.ate_together,
               "stayed_overnight": visit.stayed_overnight, "laboured_together": visit.laboured_together}
        changes = [_("%(what)s from %(before)s to %(after)s") % {"what": label, "before": _as_text(first.get(name)), "after": _as_text(now[name])}
                   for name, label in WATCHED.items() if name in first and first[name] != now[name]]
        if changes:
            yield Finding(FlagRule.CHANGED_AFTERWARDS, f"visit:{visit.pk}", _("Changed after it was entered: %(changes)s.") % {"changes": "；".join(changes)},
                          severity=Severity.LOW, visits=[visit.pk], **_about(visit))


# --- residents' ratings: in a burst, or from households the team never visited ------------------------------------

def _bursts(ratings: list[Evaluation], size: int, minutes: int) -> list[Evaluation]:
    """The longest run of ratings (in order of time) within `minutes`, when it has at least `size`."""
    best: list[Evaluation] = []
    start = 0
    for end in range(len(ratings)):
        while ratings[end].created_at - ratings[start].created_at > datetime.timedelta(minutes=minutes):
            start += 1
        if end - start + 1 > len(best):
            best = ratings[start:end + 1]
    return best if len(best) >= size else []


def rating_bursts(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if not look.some(look.evaluations):
        return
    by_team = look.evaluations
    by_address = look.evaluations.exclude(address_hash="")  # ratings from before addresses were kept have none
    for group, label, ratings_of_the_day in (("target_village", "team", by_team), ("address_hash", "address", by_address)):
        days = ratings_of_the_day.annotate(day=TruncDate("created_at")).values(group, "day").distinct()
        for day in days:
            ratings = list(Evaluation.objects.annotate(day=TruncDate("created_at")).filter(**{group: day[group]}, day=day["day"])
                           .select_related("target_village__village").order_by("created_at", "pk"))
            burst = _bursts(ratings, t.rating_burst_count, t.rating_burst_minutes)
            if not burst:
                continue
            target = burst[0].target_village
            evidence = (_("%(count)s ratings of the team of %(village)s within %(minutes)s minutes (%(start)s–%(end)s).") if label == "team"
                        else _("%(count)s ratings from one address within %(minutes)s minutes (%(start)s–%(end)s)."))
            minutes = max(1, round((burst[-1].created_at - burst[0].created_at).total_seconds() / 60))
            yield Finding(FlagRule.RATING_BURST, f"{label}:{str(day[group])[:32]}:{day['day']}", evidence % {
                "count": len(burst), "village": target.village.name, "minutes": minutes, "start": _local(burst[0].created_at),
                "end": _local(burst[-1].created_at)}, village_id=target.village_id, campaign_id=target.campaign_id,
                evaluations=[e.pk for e in burst])


def ratings_not_visited(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if not look.some(look.evaluations):
        return
    visited = Visit.objects.filter(household=OuterRef("household"), assignment__target_village=OuterRef("target_village"))
    for rating in look.evaluations.filter(~Exists(visited)).select_related("household", "target_village__village"):
        target = rating.target_village
        yield Finding(FlagRule.RATING_NOT_VISITED, f"rating:{rating.pk}", _("Household %(number)s rated the team of %(village)s, which never visited it.")
                      % {"number": rating.household.number, "village": target.village.name}, severity=Severity.LOW,
                      village_id=target.village_id, campaign_id=target.campaign_id, evaluations=[rating.pk])


# --- cases: closed at once, 销号 without a reply, satisfaction with no 回访 ------------------------------------------

def cases(look: Look, t: FlagThresholds) -> Iterator[Finding]:
    if not look.some(look.cases):
        return
    closed = look.cases.filter(closed_at__isnull=False)
    for case in closed.filter(closed_at__lt=F("registered_at") + datetime.timedelta(minutes=t.case_closed_minutes)):
        minutes = round((case.closed_at - case.registered_at).total_seconds() / 60)
        yield Finding(FlagRule.CASE_CLOSED_AT_ONCE, f"case:{case.pk}", _("Case %(number)s was closed (销号) %(minutes)s minutes after it was registered.")
                      % {"number": case.number, "minutes": minutes}, severity=Severity.HIGH, village_id=case.village_id, case_id=case.pk)
    for case in closed.filter(reply=""):
        yield Finding(FlagRule.CLOSED_WITHOUT_REPLY, f"case:{case.pk}", _("Case %(number)s was closed (销号) with no reply to the petitioner.")
                      % {"number": case.number}, village_id=case.village_id, case_id=case.pk)
    callback = CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseEvent.Action.EVALUATE, data__callback=True)
    for case in look.cases.exclude(satisfaction="").filter(~Exists(callback)):
        yield Finding(FlagRule.SATISFACTION_WITHOUT_CALLBACK, f"case:{case.pk}", _(
            "The satisfaction of case %(number)s (%(satisfaction)s) was recorded with no 回访 call.") % {
            "number": case.number, "satisfaction": case.get_satisfaction_display()}, severity=Severity.LOW, village_id=case.village_id, case_id=case.pk)


RULES: list[Callable[[Look, FlagThresholds], Iterator[Finding]]] = [
    visits_without_check_in, outside_assignment, far_from_village, pace, same_spot, copied_diaries, last_day_rush, backdated_in_bulk,
    changed_afterwards, rating_bursts, ratings_not_visited, cases,
]


def findings(look: Look, thresholds: FlagThresholds | None = None) -> Iterator[Finding]:
    thresholds = thresholds or FlagThresholds.current()
    for rule in RULES:
        yield from rule(look, thresholds)
