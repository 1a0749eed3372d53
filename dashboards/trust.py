"""How much to trust the campaign dashboard's figures (issue 19): the share of each row's visits that carry
an open or confirmed flag (campaigns.models.Flag), and the figures without the records confirmed fabricated.

The figures come from rollups (campaign_figures.py). Confirmed fabrications are few, so instead of counting
the rows again without them, the village-days and teams they touch are summed twice — all their visits,
and the visits that are not confirmed fabricated — with the rollups' own sums (campaigns.rollups), and the
difference comes off the figures.
"""

from dataclasses import fields

from django.db.models import Count, Exists, F, OuterRef, Q

from campaigns import rollups
from campaigns.models import Evaluation, Flag, Visit

from .campaign_figures import Figures
from .drilldown import Scope

FLAGGED = (Flag.State.OPEN, Flag.State.CONFIRMED)


def _flagged(states) -> Exists:
    return Exists(Flag.visits.through.objects.filter(visit=OuterRef("pk"), flag__state__in=states))


def _visits(user, campaign, scope: Scope):
    return (Visit.objects.in_jurisdiction_of(user).in_region(scope.region.code)
            .filter(assignment__target_village__campaign=campaign, visited_on__range=(scope.date_from, scope.date_to)))


def flagged_shares(user, campaign, scope: Scope) -> dict[str, tuple[int, int]]:
    """Per child region: (visits with an open or confirmed flag, visits), in the chosen dates."""
    rows = (_visits(user, campaign, scope).order_by().alias(flagged=_flagged(FLAGGED))
            .values(key=scope.child_key("assignment__target_village__village"))
            .annotate(flagged=Count("pk", filter=Q(flagged=True)), total=Count("pk")))
    return {scope.child_code(row["key"]): (row["flagged"], row["total"]) for row in rows}


def _touched_days(user, campaign, scope: Scope, key):
    """The village-days confirmed fabrications touch, summed as the rollups sum them, grouped by `key`: first all
    their visits (to take off), then those not confirmed fabricated (to put back). Yields (key, counts, sign)."""
    visits = _visits(user, campaign, scope)
    confirmed = visits.filter(_flagged([Flag.State.CONFIRMED]))
    touched = visits.filter(Exists(confirmed.filter(assignment__target_village=OuterRef("assignment__target_village"),
                                                    visited_on=OuterRef("visited_on"))))
    counts = {"visits": Count("pk"), **rollups.day_counts()}
    for trusted in (False, True):
        these = touched.exclude(_flagged([Flag.State.CONFIRMED])) if trusted else touched
        # Per village-day, as the rollups count (a night is a cadre's once a village-day), then added up by key.
        rows = rollups.with_demand_count(these.order_by()).values("assignment__target_village", "visited_on", key=key).annotate(**counts)
        for row in rows:
            group = row.pop("key")
            del row["assignment__target_village"], row["visited_on"]
            yield group, row, 1 if trusted else -1


def days_without_fabrications(user, campaign, scope: Scope, days: list[tuple]) -> list[tuple]:
    """visits_per_day's (day, visits, nights) without the records confirmed fabricated."""
    by_day = {day: {"visits": visits, "nights": nights} for day, visits, nights in days}
    for day, counts, sign in _touched_days(user, campaign, scope, F("visited_on")):
        if day in by_day:
            for name in by_day[day]:
                by_day[day][name] += sign * (counts[name] or 0)
    return [(day, counts["visits"], counts["nights"]) for day, counts in by_day.items()]


def without_fabrications(user, campaign, scope: Scope, rows: dict[str, Figures]) -> int:
    """Take the records confirmed fabricated out of `rows` (per child region, as region_figures gives them);
    the number of visits taken out."""
    key = scope.child_key("assignment__target_village__village")
    for code, counts, sign in _touched_days(user, campaign, scope, key):
        _add(rows, scope.child_code(code), counts, sign)

    # Coverage counts the whole campaign: a household visited only by confirmed fabrications was not visited.
    all_visits = Visit.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(
        assignment__target_village__campaign=campaign, household__isnull=False)
    real = all_visits.exclude(_flagged([Flag.State.CONFIRMED]))
    only_fabricated = (all_visits.filter(_flagged([Flag.State.CONFIRMED])).exclude(Exists(real.filter(household=OuterRef("household"))))
                       .order_by().values(key=key).annotate(visited_households=Count("household", distinct=True)))
    for row in only_fabricated:
        _add(rows, scope.child_code(row.pop("key")), row, -1)

    rated = Exists(Flag.evaluations.through.objects.filter(evaluation=OuterRef("pk"), flag__state=Flag.State.CONFIRMED))
    ratings = (Evaluation.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(rated, campaign=campaign)
               .order_by().values("rating", key=scope.child_key("target_village__village")).annotate(n=Count("pk")))
    for row in ratings:
        _add(rows, scope.child_code(row["key"]), {row["rating"]: row["n"]}, -1)
    return _visits(user, campaign, scope).filter(_flagged([Flag.State.CONFIRMED])).count()


_FIELDS = {f.name for f in fields(Figures)}


def _add(rows: dict[str, Figures], code: str, counts: dict, sign: int) -> None:
    figures = rows.get(code)
    if figures is None:
        return
    for name, value in counts.items():
        if name in _FIELDS:
            setattr(figures, name, getattr(figures, name) + sign * (value or 0))
