"""打分排序: townships (or whatever lies one level below the scope) and units ranked on a composite
score — the weighted mean of their indicators, with the weights admins set (RankingWeight).

An indicator a row has no value for yet (nothing counted: shown —) is left out of that row's mean
and the other weights count for it, so a township with no cases is not ranked last for that.
"""

from dataclasses import dataclass

from django.db.models import Count, Sum

from accounts.models import Unit
from campaigns.models import Campaign, VillageCoverage

from . import campaign_figures as campaign_dashboard
from . import case_figures as case_dashboard
from .drilldown import Scope
from .models import DEFAULT_WEIGHTS, RankingWeight

Indicator = RankingWeight.Indicator


@dataclass
class Ranked:
    name: str
    code: str  # a region code, or "" for a unit
    values: dict[str, float | None]
    score: float | None = None
    rank: int | None = None


def weights() -> dict[str, int]:
    saved = dict(RankingWeight.objects.values_list("indicator", "weight"))
    return {indicator.value: saved.get(indicator.value, DEFAULT_WEIGHTS[indicator]) for indicator in Indicator}


def formula(weights: dict[str, int]) -> str:
    """The score as a sentence, e.g. 得分 = (30×覆盖率 + 20×按期办结率) ÷ 50."""
    used = [(Indicator(key).label, weight) for key, weight in weights.items() if weight]
    if not used:
        return ""
    terms = " + ".join(f"{weight}×{label}" for label, weight in used)
    return f"({terms}) ÷ {sum(weight for _label, weight in used)}"


def score(values: dict[str, float | None], weights: dict[str, int]) -> float | None:
    counted = [(values[key], weight) for key, weight in weights.items() if weight and values.get(key) is not None]
    total = sum(weight for _value, weight in counted)
    return None if not total else sum(value * weight for value, weight in counted) / total


def _rank(rows: list[Ranked], weights: dict[str, int]) -> list[Ranked]:
    for row in rows:
        row.score = score(row.values, weights)
    rows.sort(key=lambda row: (row.score is None, -(row.score or 0), row.code or row.name))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
    return rows


def _values(campaign_figures, case_figures) -> dict[str, float | None]:
    return {
        Indicator.COVERAGE: campaign_figures.coverage if campaign_figures else None,
        Indicator.RESIDENT_SATISFACTION: campaign_figures.satisfaction if campaign_figures else None,
        Indicator.ON_TIME_ACCEPTANCE: case_figures.on_time_acceptance if case_figures else None,
        Indicator.ON_TIME_RESOLUTION: case_figures.on_time_resolution if case_figures else None,
        Indicator.CASE_SATISFACTION: case_figures.satisfaction if case_figures else None,
        Indicator.MEDIATION_SUCCESS: case_figures.mediation_success if case_figures else None,
    }


def region_ranking(user, campaign: Campaign | None, scope: Scope, weights: dict[str, int]) -> list[Ranked]:
    """The regions one level down (none below a village)."""
    if scope.is_village:
        return []
    regions = scope.children
    campaign_rows = campaign_dashboard.region_figures(user, campaign, scope) if campaign else {}
    case_rows = case_dashboard.region_figures(user, scope)
    rows = [Ranked(region.name, region.code, _values(campaign_rows.get(region.code), case_rows.get(region.code))) for region in regions]
    return _rank(rows, weights)


def unit_ranking(user, campaign: Campaign | None, scope: Scope, weights: dict[str, int]) -> list[Ranked]:
    """Units as helping units of the campaign's villages (coverage, residents' rating) and as the
    responsible units of cases (the case indicators), within the scope's region."""
    helped = {}
    if campaign:
        coverage = VillageCoverage.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(campaign=campaign)
        for row in coverage.exclude(target_village__helping_unit=None).order_by().values("target_village__helping_unit").annotate(
            villages=Count("pk"), **{name: Sum(name) for name in campaign_dashboard.COVERAGE}
        ):
            unit = row.pop("target_village__helping_unit")
            helped[unit] = campaign_dashboard.Figures(**row)
    cases = case_dashboard.figures_by(case_dashboard.scoped_cases(user, scope).exclude(unit=None), "unit")
    names = dict(Unit.objects.filter(pk__in={*helped, *cases}).values_list("pk", "name"))
    rows = [Ranked(names[pk], "", _values(helped.get(pk), cases.get(pk))) for pk in names]
    return _rank(rows, weights)


