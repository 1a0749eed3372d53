"""Keeping the campaign dashboard's rollups (models/rollups.py) in step with the raw rows.

`refresh()` re-sums only the days whose visits were written since the last run, reading a little
further back (OVERLAP) for transactions that committed late, and recounts coverage for the campaigns
those visits belong to and for every active campaign. `refresh(full=True)` rebuilds everything; the
beat runs it nightly, which also picks up rows deleted in the admin. Each table is rewritten with one
DELETE and one INSERT … SELECT, whatever the number of visits, inside one transaction: a dashboard
never sees half a refresh.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from grievances.models import Case

from .models import Campaign, Evaluation, Household, RollupStatus, TargetVillage, VillageCoverage, VillageDay, Visit, VisitKind

OVERLAP = datetime.timedelta(minutes=10)
STATUS_NAME = "campaign-dashboard"


@dataclass(frozen=True)
class Refreshed:
    days: int | None  # None: every day (a full rebuild)
    campaigns: int
    village_days: int


def refresh(*, full: bool = False, now: datetime.datetime | None = None) -> Refreshed:
    now = now or timezone.now()
    RollupStatus.objects.get_or_create(name=STATUS_NAME, defaults={"refreshed_at": now, "watermark": now})
    with transaction.atomic():
        # A refresh already running (a duplicate beat, a manual run) holds the row: this one has nothing to add.
        status = RollupStatus.objects.select_for_update(skip_locked=True).filter(name=STATUS_NAME).first()
        if status is None:
            return Refreshed(days=0, campaigns=0, village_days=0)
        first_run = not VillageDay.objects.exists() and not VillageCoverage.objects.exists()
        if full or first_run:
            days, campaigns = None, set(Campaign.objects.values_list("pk", flat=True))
        else:
            since = status.watermark - OVERLAP
            changed = Visit.objects.filter(updated_at__gte=since)
            days = sorted(set(changed.values_list("visited_on", flat=True)))
            campaigns = _campaigns_changed_since(since, changed)
        village_days = _rebuild_village_days(days)
        _rebuild_coverage(sorted(campaigns))
        status.refreshed_at = timezone.now()
        status.watermark = now
        status.save()
    if days is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics after rewriting the tables, for the dashboards' plans
            cursor.execute(f"ANALYZE {VillageDay._meta.db_table}, {VillageCoverage._meta.db_table}")
    return Refreshed(days=None if days is None else len(days), campaigns=len(campaigns), village_days=village_days)


def _campaigns_changed_since(since: datetime.datetime, changed_visits) -> set[int]:
    """Campaigns whose coverage may have moved: new or edited visits, new ratings, households added or edited."""
    campaigns = set(changed_visits.values_list("assignment__target_village__campaign", flat=True))
    campaigns |= set(Evaluation.objects.filter(created_at__gte=since).values_list("campaign", flat=True))
    villages = Household.objects.filter(updated_at__gte=since).values("village")
    campaigns |= set(TargetVillage.objects.filter(village__in=villages, campaign__status=Campaign.Status.ACTIVE).values_list("campaign", flat=True))
    return campaigns


def freshness() -> datetime.datetime | None:
    status = RollupStatus.objects.filter(name=STATUS_NAME).first()
    return status.refreshed_at if status else None


def _kind(kind: str) -> Q:
    # The kinds are a JSON list of fixed identifiers; matching the quoted identifier works on every database.
    return Q(kinds__icontains=f'"{kind}"')


def with_demand_count(visits):
    """Visits with `demand_count`, the cases each one's demands became."""
    demands = Case.objects.filter(visit=OuterRef("pk")).order_by().values("visit").annotate(n=Count("pk")).values("n")
    return visits.alias(demand_count=Coalesce(Subquery(demands, output_field=IntegerField()), 0))


def day_counts() -> dict:
    """What a village-day sums of its visits (VillageDay's columns after `visits`), for visits `with_demand_count`:
    the dashboards subtract the same sums over confirmed fabrications (dashboards/trust.py)."""
    return {
        "household_visits": Count("pk", filter=Q(household__isnull=False)),
        **{kind: Count("pk", filter=_kind(kind)) for kind in VisitKind.values},
        "meals": Count("pk", filter=Q(ate_together=True)),
        "nights": Count("cadre", filter=Q(stayed_overnight=True), distinct=True),
        "labour": Count("cadre", filter=Q(laboured_together=True), distinct=True),
        "deeds": Count("pk", filter=~Q(deed="")),
        "deed_value": Coalesce(Sum("deed_value"), Value(0), output_field=DecimalField()),
        "demands": Sum("demand_count"),
    }


def _rebuild_village_days(days: list[datetime.date] | None) -> int:
    stale = VillageDay.objects.all() if days is None else VillageDay.objects.filter(day__in=days)
    stale.delete()
    visits = Visit.objects.all() if days is None else Visit.objects.filter(visited_on__in=days)
    if days == []:
        return 0
    select = (
        with_demand_count(visits.order_by())
        .values("assignment__target_village__campaign", "assignment__target_village", "assignment__target_village__village", "visited_on")
        .annotate(visit_count=Count("pk"), **day_counts())
    )
    columns = ["campaign_id", "target_village_id", "village_id", "day", "visits", "household_visits", *VisitKind.values,
               "meals", "nights", "labour", "deeds", "deed_value", "demands"]
    return _insert(VillageDay, columns, select)


def _rebuild_coverage(campaigns: list[int]) -> None:
    """Households registered and visited and residents' ratings, per target village of these campaigns."""
    VillageCoverage.objects.filter(campaign__in=campaigns).delete()
    if not campaigns:
        return
    targets = TargetVillage.objects.filter(campaign__in=campaigns)

    def per_target(queryset, group: str, counted: str, **filters):
        rows = queryset.filter(**{f"{group}": OuterRef("pk")}).order_by().values(group)
        rows = rows.annotate(n=Count(counted, distinct=True, filter=Q(**filters) if filters else None)).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    households = Household.objects.filter(village=OuterRef("village")).order_by().values("village").annotate(n=Count("pk")).values("n")
    rating = {
        field: per_target(Evaluation.objects.all(), "target_village", "pk", rating=value)
        for field, value in [("satisfied", Evaluation.Rating.SATISFIED), ("fairly_satisfied", Evaluation.Rating.FAIRLY_SATISFIED),
                             ("dissatisfied", Evaluation.Rating.DISSATISFIED)]
    }
    select = targets.order_by().values("campaign", "pk", "village").annotate(
        household_count=Coalesce(Subquery(households, output_field=IntegerField()), 0),
        visited=per_target(Visit.objects.filter(household__isnull=False), "assignment__target_village", "household"),
        **rating,
    )
    columns = ["campaign_id", "target_village_id", "village_id", "households", "visited_households",
               "satisfied", "fairly_satisfied", "dissatisfied"]
    _insert(VillageCoverage, columns, select)


def _insert(model, columns: list[str], select) -> int:
    """INSERT INTO the rollup table … SELECT the aggregate, in one statement."""
    # values() then annotate(): Django selects the grouped fields, then the annotations, in the order written.
    selected = [*select.query.values_select, *select.query.annotation_select]
    assert len(selected) == len(columns), (selected, columns)
    select_sql, params = select.query.sql_with_params()
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({quoted}) {select_sql}", params)
        return cursor.rowcount
