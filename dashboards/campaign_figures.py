"""The campaign dashboard's numbers: sums over the rollups, a fixed number of queries at any size.

Activity (visits, 三同, 实事, demands) counts the days in the chosen range; coverage and residents'
ratings count the whole campaign so far; presence counts today. At a village the rows are the
team's cadres, read from the raw visits.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from campaigns import selectors
from campaigns.models import Assignment, Campaign, CheckIn, VillageCoverage, VillageDay, Visit, VisitKind
from core.numbers import share

from .drilldown import Scope
from .tables import Summable

ACTIVITY = ["visits", "household_visits", *VisitKind.values, "meals", "nights", "labour", "deeds", "deed_value", "demands"]
COVERAGE = ["households", "visited_households", "satisfied", "fairly_satisfied", "dissatisfied"]
THREE_TOGETHERS = ["meals", "nights", "labour"]  # 三同: ate, stayed, laboured together


@dataclass
class Figures(Summable):
    """Counts for one region (or the whole scope); they add up, so totals are sums of the rows."""

    villages: int = 0
    cadres_today: int = 0
    checked_in: int = 0
    households: int = 0
    visited_households: int = 0
    visits: int = 0
    household_visits: int = 0
    living: int = 0
    production: int = 0
    policy: int = 0
    development: int = 0
    meals: int = 0
    nights: int = 0
    labour: int = 0
    deeds: int = 0
    deed_value: Decimal = Decimal(0)
    demands: int = 0
    satisfied: int = 0
    fairly_satisfied: int = 0
    dissatisfied: int = 0


    @property
    def coverage(self):
        return share(self.visited_households, self.households)

    @property
    def check_in_rate(self):
        return share(self.checked_in, self.cadres_today)

    @property
    def absent(self) -> int:
        return self.cadres_today - self.checked_in

    @property
    def ratings(self) -> int:
        return self.satisfied + self.fairly_satisfied + self.dissatisfied

    @property
    def satisfaction(self):
        return share(self.satisfied + self.fairly_satisfied, self.ratings)


@dataclass(frozen=True)
class CadreFigures:
    cadre: User
    checked_in: bool
    visits: int
    households: int
    nights: int
    deeds: int
    demands: int


def campaign_choice(user, wanted: str = "", *, today: datetime.date | None = None) -> tuple[Campaign | None, list[Campaign]]:
    """The campaigns a dashboard offers (activated or closed ones the user sees) and the one to show: the
    one asked for (404 if it is not among them), else the one running today (active, today within its
    dates), else the most recent one that has started, else the next to start."""
    today = today or timezone.localdate()
    choices = list(Campaign.objects.visible_to(user).exclude(status=Campaign.Status.DRAFT).order_by("-start_date", "pk"))
    if wanted:
        chosen = next((c for c in choices if str(c.pk) == wanted), None)
        if chosen is None:
            raise Http404
        return chosen, choices
    running = [c for c in choices if c.status == Campaign.Status.ACTIVE and c.start_date <= today <= c.end_date]
    started = [c for c in choices if c.start_date <= today]  # newest first, as the choices are ordered
    upcoming = sorted((c for c in choices if c.start_date > today), key=lambda c: (c.start_date, c.pk))
    return (running or started or upcoming or [None])[0], choices


def default_range(campaign: Campaign, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return campaign.start_date, min(campaign.end_date, max(today, campaign.start_date))


def region_figures(user, campaign: Campaign, scope: Scope, today: datetime.date | None = None) -> dict[str, Figures]:
    """Figures per child region of the scope (keyed by child code), every child listed even when empty."""
    today = today or timezone.localdate()
    rows = {region.code: Figures() for region in scope.children}

    def add(code_key: str, **counts):
        figures = rows.get(scope.child_code(code_key))
        if figures is None:  # a row whose code has no region: not counted anywhere, so rows add up to the total
            return
        for name, value in counts.items():
            setattr(figures, name, getattr(figures, name) + (value or 0))

    days = VillageDay.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(campaign=campaign, day__range=(scope.date_from, scope.date_to))
    for row in days.order_by().values(key=scope.child_key("village")).annotate(**{name: Sum(name) for name in ACTIVITY}):
        add(row.pop("key"), **row)

    coverage = VillageCoverage.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(campaign=campaign)
    for row in coverage.order_by().values(key=scope.child_key("village")).annotate(
        villages=Count("pk"), **{name: Sum(name) for name in COVERAGE}
    ):
        add(row.pop("key"), **row)

    here_today = Exists(CheckIn.objects.filter(cadre=OuterRef("cadre"), day=today))
    posted = (  # as the absent list counts: assignments of today in an active campaign
        Assignment.objects.in_jurisdiction_of(user).in_region(scope.region.code)
        .filter(target_village__campaign=campaign, target_village__campaign__status=Campaign.Status.ACTIVE).current_on(today)
    )
    for row in posted.order_by().alias(here=here_today).values(key=scope.child_key("target_village__village")).annotate(
        cadres_today=Count("cadre", distinct=True), checked_in=Count("cadre", distinct=True, filter=Q(here=True))
    ):
        add(row.pop("key"), **row)
    return rows


def visits_per_day(user, campaign: Campaign, scope: Scope) -> list[tuple[datetime.date, int, int]]:
    """(day, visits, nights) for every day of the range, zeros included."""
    days = VillageDay.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(campaign=campaign, day__range=(scope.date_from, scope.date_to))
    found = {
        row["day"]: (row["visits"], row["nights"])
        for row in days
        .order_by().values("day").annotate(visits=Sum("visits"), nights=Sum("nights"))
    }
    span = (scope.date_to - scope.date_from).days
    days = [scope.date_from + datetime.timedelta(days=n) for n in range(span + 1)]
    return [(day, *found.get(day, (0, 0))) for day in days]


def cadre_figures(user, campaign: Campaign, scope: Scope, today: datetime.date | None = None) -> list[CadreFigures]:
    """At a village: each cadre of the team with their visits in the range, from the raw rows."""
    today = today or timezone.localdate()
    team = Assignment.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(target_village__campaign=campaign)
    visits = Visit.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(
        assignment__target_village__campaign=campaign, visited_on__range=(scope.date_from, scope.date_to), cadre=OuterRef("pk"),
    )

    def count(queryset, counted="pk"):
        return selectors.correlated_count(queryset, "cadre", counted)

    cadres = (
        User.objects.filter(pk__in=team.values("cadre"))
        .annotate(
            here=Exists(CheckIn.objects.filter(cadre=OuterRef("pk"), day=today)),
            visit_count=count(visits),
            household_count=count(visits.filter(household__isnull=False), "household"),
            night_count=count(visits.filter(stayed_overnight=True), "visited_on"),
            deed_count=count(visits.exclude(deed="")),
            demand_count=count(visits.filter(cases__isnull=False), "cases"),
        )
        .select_related("unit")
        .order_by("real_name", "pk")
    )
    return [
        CadreFigures(c, c.here, c.visit_count, c.household_count, c.night_count, c.deed_count, c.demand_count) for c in cadres
    ]


def absent_today(user, campaign: Campaign, scope: Scope, limit: int = 10):
    return list(selectors.absent_today(user).in_region(scope.region.code).filter(target_village__campaign=campaign)[:limit])
