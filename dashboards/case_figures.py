"""The case dashboard's numbers, counted in the database from the raw cases (tens of thousands of
rows a year for a city: each figure is one grouped aggregate, whatever the number of cases).

The rates and their definitions (also shown on the page, RATE_DEFINITIONS) are grievances/rates.py's,
the same the case list shows: CaseFigures adds the tallies to them.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from grievances import rates
from grievances.models import Case, CaseCategory
from grievances.selectors import start_of

from .drilldown import Scope
from .tables import Summable


@dataclass
class CaseFigures(Summable, rates.CaseRates):
    """The case rates (their counts and properties: grievances.rates.CaseRates) and the dashboard's tallies."""

    total: int = 0  # repeats (重复件) are counted once, in their original: not in total, only in `repeats`
    open: int = 0
    overdue: int = 0
    supervised: int = 0
    repeats: int = 0
    collective: int = 0  # 集体访: five people or more
    skipped_level: int = 0  # 越级访
    abnormal: int = 0  # 非正常访


def scoped_cases(user, scope: Scope):
    """Cases of the scope's region registered in its date range, counted for the user's jurisdiction."""
    start, end = start_of(scope.date_from), start_of(scope.date_to + datetime.timedelta(days=1))
    return Case.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(registered_at__gte=start, registered_at__lt=end)


def _aggregates(today: datetime.date) -> dict:
    """The counts behind CaseFigures as aggregate expressions: the tallies, and the rates' own (grievances.rates)."""
    once, marks = rates.COUNTED_ONCE, {name: condition for name, (_label, condition) in rates.MARKS.items()}
    return {
        "total": Count("pk", filter=once),
        "open": Count("pk", filter=Q(status__in=Case.OPEN_STATUSES) & once),
        "overdue": Count("pk", filter=Case.overdue_q(today) & once),
        "supervised": Count("pk", filter=Q(supervised=True) & once),
        "repeats": Count("pk", filter=marks["repeat"]),
        "collective": Count("pk", filter=marks["collective"]),
        "skipped_level": Count("pk", filter=marks["skipped_level"]),
        "abnormal": Count("pk", filter=marks["abnormal"]),
        **rates.counts(today),
    }


def figures_by(cases, key, today: datetime.date | None = None) -> dict:
    """CaseFigures per value of `key` (a field name or expression), in one query."""
    key = F(key) if isinstance(key, str) else key
    rows = cases.order_by().values(group=key).annotate(**_aggregates(today or timezone.localdate()))
    return {row.pop("group"): CaseFigures(**row) for row in rows}


def figures(cases, today: datetime.date | None = None) -> CaseFigures:
    """CaseFigures over all these cases, in one query: the total row and headline."""
    return CaseFigures(**cases.aggregate(**_aggregates(today or timezone.localdate())))


def region_figures(user, scope: Scope, today: datetime.date | None = None) -> dict[str, CaseFigures]:
    """CaseFigures per child region of the scope, every child listed even when it has no case
    (none at a village: its cases are the total)."""
    if scope.is_village:
        return {}
    found = figures_by(scoped_cases(user, scope), scope.child_key("village"), today)
    rows = {region.code: CaseFigures() for region in scope.children}
    for key, figures in found.items():
        if scope.child_code(key) in rows:
            rows[scope.child_code(key)] += figures
    return rows


@dataclass(frozen=True)
class Breakdown:
    """How many cases by status, type, category and handling level, in one query."""

    status: Counter
    type: Counter
    category: Counter  # by category id, which the case list filters by
    level: Counter
    category_names: dict


def breakdown(cases) -> Breakdown:
    """Grouped on the case's own columns (a join to the category names makes PostgreSQL expect a group
    per case and sort on disk); the few names are read after. A few hundred rows come back."""
    tallies = Breakdown(Counter(), Counter(), Counter(), Counter(), {})
    for row in cases.filter(rates.COUNTED_ONCE).order_by().values("status", "type", "category", "level").annotate(n=Count("pk")):
        tallies.status[row["status"]] += row["n"]
        tallies.type[row["type"]] += row["n"]
        tallies.category[row["category"]] += row["n"]
        tallies.level[row["level"]] += row["n"]
    tallies.category_names.update(CaseCategory.objects.filter(pk__in=[pk for pk in tallies.category if pk]).values_list("pk", "name"))
    return tallies


def weekly_trend(user, scope: Scope) -> list[tuple[datetime.date, int, int]]:
    """(Monday, opened, closed) for each week of the range: opened counts registrations in the range,
    closed counts 销号 in the range of the region's cases whenever registered."""
    def per_week(cases, field):
        rows = cases.order_by().values_list(TruncWeek(field)).annotate(n=Count("pk"))
        return Counter({timezone.localtime(week).date(): n for week, n in rows})

    start, end = start_of(scope.date_from), start_of(scope.date_to + datetime.timedelta(days=1))
    opened = per_week(scoped_cases(user, scope), "registered_at")
    closed = per_week(Case.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(closed_at__gte=start, closed_at__lt=end), "closed_at")
    monday = scope.date_from - datetime.timedelta(days=scope.date_from.weekday())
    weeks = []
    while monday <= scope.date_to:
        weeks.append((monday, opened[monday], closed[monday]))
        monday += datetime.timedelta(days=7)
    return weeks


def case_sample(cases, condition: Q, limit: int = 10):
    """The first cases meeting a condition, the one whose running limit is earliest first, for the
    overdue and 挂牌督办 lists."""
    return list(
        cases.filter(condition).select_related("village__parent", "unit", "leader")
        .order_by(Case.running_due().asc(nulls_last=True), "pk")[:limit]
    )
