"""打分排序: townships (or whatever lies one level below the scope) and units ranked on a composite score —
the weighted mean of their indicators with the weights admins set (RankingWeight), less the points a
confirmed fabrication takes off (RankingDeduction), never below 0.

One case must not flip the order (issue 19). An indicator counts for a row only when the row has at least
the admin-set minimum of records behind it — the indicator's denominator (RECORDS): households registered,
residents' ratings, cases due for an answer or for resolution, rated cases, mediated disputes. Below it the
cell shows 样本不足 with the count. Nothing is rescaled: a row short of any weighted indicator gets no score
and no rank (样本不足 too), so no row ranks above others on fewer indicators. With no campaign to count, the
campaign's indicators are left out of every row alike.

A confirmed flag counts against the row of the records it concerns: a field record of the chosen campaign
(region rows: in the row's villages; unit rows: made by the unit's cadres), or a case the case indicators
count (registered in the chosen dates; unit rows: the case's responsible unit). Beside the score, each row
shows how far to trust it: the share of its visits in the campaign with an open or confirmed flag (region
rows: the visits in its villages; unit rows: its cadres' visits in the scope), whichever jurisdiction the flag lies
in, as the campaign dashboard counts them (trust.py) and the visit list lists them (?only=flagged).

For the links of the rankings page, a row also knows how many of its confirmed flags are field flags of the
campaign (those the flag queue lists by campaign: a case's flag has none) and the first and last day of its
flagged visits (the visit list is dated).

Every count is one grouped query, whatever the number of rows; all are read within the user's jurisdiction.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Unit
from campaigns.models import Campaign, Flag, VillageCoverage, Visit
from core.numbers import share

from . import campaign_figures as campaign_dashboard
from . import case_figures as case_dashboard
from .drilldown import Scope
from .models import DEFAULT_MINIMUMS, DEFAULT_WEIGHTS, RankingDeduction, RankingWeight
from .trust import FLAGGED

Indicator = RankingWeight.Indicator
CAMPAIGN_INDICATORS = {Indicator.COVERAGE, Indicator.RESIDENT_SATISFACTION}

# The records each indicator divides by: a row needs the indicator's minimum of them for it to count.
RECORDS = {
    Indicator.COVERAGE: gettext_lazy("households registered"),
    Indicator.RESIDENT_SATISFACTION: gettext_lazy("residents' ratings"),
    Indicator.ON_TIME_ACCEPTANCE: gettext_lazy("cases due for an answer"),
    Indicator.ON_TIME_RESOLUTION: gettext_lazy("cases due for resolution"),
    Indicator.CASE_SATISFACTION: gettext_lazy("rated cases"),
    Indicator.MEDIATION_SUCCESS: gettext_lazy("mediated disputes"),
}


@dataclass(frozen=True)
class Rules:
    """What the admins set: each indicator's weight and minimum of records, and the points off per confirmed flag."""

    weights: dict[str, int]
    minimums: dict[str, int]
    points_per_flag: int = 0

    @property
    def weighted(self) -> list[str]:
        """The indicators the score is made of (weight above 0), in the indicators' order."""
        return [key for key, weight in self.weights.items() if weight]


def rules(*, campaign_chosen: bool = True) -> Rules:
    """The admins' settings, in two queries (defaults for rows not saved). Without a campaign the campaign's
    indicators cannot be counted for anyone: they weigh 0 for every row rather than leave every row short."""
    saved = {indicator: (weight, minimum) for indicator, weight, minimum in RankingWeight.objects.values_list("indicator", "weight", "minimum")}
    weights, minimums = {}, {}
    for indicator in Indicator:
        weight, minimum = saved.get(indicator.value, (DEFAULT_WEIGHTS[indicator], DEFAULT_MINIMUMS[indicator]))
        weights[indicator.value] = 0 if indicator in CAMPAIGN_INDICATORS and not campaign_chosen else weight
        minimums[indicator.value] = minimum
    return Rules(weights, minimums, RankingDeduction.current().points_per_flag)


@dataclass
class Ranked:
    name: str
    code: str  # a region code, or "" for a unit
    values: dict[str, float | None]
    records: dict[str, int] = field(default_factory=dict)  # the records behind each value: its denominator
    confirmed_flags: int = 0
    campaign_flags: int = 0  # … of which field flags of the campaign (not a case's)
    visits: int = 0  # field records of the campaign
    flagged_visits: int = 0  # … with an open or confirmed flag
    flagged_days: tuple[datetime.date, datetime.date] | None = None  # the first and last day of those
    score: float | None = None
    rank: int | None = None

    def counts(self, key: str, rules: Rules) -> bool:
        """Whether the indicator counts for this row: a value, from at least the minimum of records."""
        return self.values.get(key) is not None and self.records.get(key, 0) >= rules.minimums[key]

    @property
    def flagged_share(self) -> float | None:
        return share(self.flagged_visits, self.visits)


def points_off(row: Ranked, rules: Rules) -> int:
    return row.confirmed_flags * rules.points_per_flag


def score(row: Ranked, rules: Rules) -> float | None:
    """The weighted mean of every weighted indicator less the points off (a share, never below 0); None when
    no indicator is weighted or the row is short of any (样本不足): never a mean over fewer indicators."""
    weighted = rules.weighted
    if not weighted or not all(row.counts(key, rules) for key in weighted):
        return None
    mean = sum(row.values[key] * rules.weights[key] for key in weighted) / sum(rules.weights[key] for key in weighted)
    return max(0.0, mean - points_off(row, rules) / 100)


def formula(rules: Rules) -> str:
    """The score as a sentence, e.g. (30×覆盖率 + 20×按期办结率) ÷ 50 − 2×属实的造假."""
    used = [(Indicator(key).label, rules.weights[key]) for key in rules.weighted]
    if not used:
        return ""
    terms = " + ".join(f"{weight}×{label}" for label, weight in used)
    text = f"({terms}) ÷ {sum(weight for _label, weight in used)}"
    if rules.points_per_flag:
        text += f" − {rules.points_per_flag}×{_('confirmed fabrications')}"
    return text


def _rank(rows: list[Ranked], rules: Rules) -> list[Ranked]:
    for row in rows:
        row.score = score(row, rules)
    rows.sort(key=lambda row: (row.score is None, -(row.score or 0), row.code or row.name))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
    return rows


def _row(name: str, code: str, campaign_figures, case_figures) -> Ranked:
    """A row with each indicator's value and the number of records it divides by."""
    c, k = campaign_figures, case_figures
    measures = {
        Indicator.COVERAGE: (c.coverage, c.households) if c else (None, 0),
        Indicator.RESIDENT_SATISFACTION: (c.satisfaction, c.ratings) if c else (None, 0),
        Indicator.ON_TIME_ACCEPTANCE: (k.on_time_acceptance, k.due_for_answer) if k else (None, 0),
        Indicator.ON_TIME_RESOLUTION: (k.on_time_resolution, k.due_for_resolution) if k else (None, 0),
        Indicator.CASE_SATISFACTION: (k.satisfaction, k.evaluated) if k else (None, 0),
        Indicator.MEDIATION_SUCCESS: (k.mediation_success, k.mediated) if k else (None, 0),
    }
    return Ranked(name, code, {key: value for key, (value, _records) in measures.items()},
                  {key: records for key, (_value, records) in measures.items()})


def _confirmed_flags(user, campaign: Campaign | None, scope: Scope):
    """The confirmed flags that count against rows (module docstring), within the user's jurisdiction."""
    concerns = Q(case__in=case_dashboard.scoped_cases(user, scope).values("pk"))
    if campaign:
        concerns |= Q(campaign=campaign)
    return Flag.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(concerns, state=Flag.State.CONFIRMED)


def _flag_counts(flags, key, campaign: Campaign | None) -> dict:
    """(confirmed flags, of which field flags of the campaign) per value of `key`, in one query."""
    if not campaign:  # case flags only
        return {group: (n, 0) for group, n in flags.order_by().values_list(key).annotate(n=Count("pk"))}
    rows = flags.order_by().values(group=key).annotate(n=Count("pk"), field=Count("pk", filter=Q(campaign=campaign)))
    return {row["group"]: (row["n"], row["field"]) for row in rows}


def _visit_counts(user, campaign: Campaign | None, scope: Scope, key) -> dict:
    """(visits, visits with an open or confirmed flag, (first, last) day of those) of the campaign in the scope,
    per value of `key`, in one query."""
    if not campaign:
        return {}
    suspect = Flag.objects.filter(visits=OuterRef("pk"), state__in=FLAGGED)
    visits = Visit.objects.in_jurisdiction_of(user).in_region(scope.region.code).filter(assignment__target_village__campaign=campaign)
    flagged = Q(suspect=True)
    rows = visits.order_by().alias(suspect=Exists(suspect)).values(group=key).annotate(
        visits=Count("pk"), flagged=Count("pk", filter=flagged),
        first=Min("visited_on", filter=flagged), last=Max("visited_on", filter=flagged),
    )
    return {row["group"]: (row["visits"], row["flagged"], (row["first"], row["last"]) if row["flagged"] else None) for row in rows}


def _add_trust(row: Ranked, flags: dict, visits: dict, key) -> None:
    row.confirmed_flags, row.campaign_flags = flags.get(key, (0, 0))
    row.visits, row.flagged_visits, row.flagged_days = visits.get(key, (0, 0, None))


def region_ranking(user, campaign: Campaign | None, scope: Scope, rules: Rules) -> list[Ranked]:
    """The regions one level down (none below a village)."""
    if scope.is_village:
        return []
    campaign_rows = campaign_dashboard.region_figures(user, campaign, scope) if campaign else {}
    case_rows = case_dashboard.region_figures(user, scope)
    flags, visits = {}, {}
    for prefix, counts in _flag_counts(_confirmed_flags(user, campaign, scope), scope.child_key("village"), campaign).items():
        flags[scope.child_code(prefix)] = counts
    for prefix, counts in _visit_counts(user, campaign, scope, scope.child_key("assignment__target_village__village")).items():
        visits[scope.child_code(prefix)] = counts
    rows = []
    for region in scope.children:
        row = _row(region.name, region.code, campaign_rows.get(region.code), case_rows.get(region.code))
        _add_trust(row, flags, visits, region.code)
        rows.append(row)
    return _rank(rows, rules)


def unit_ranking(user, campaign: Campaign | None, scope: Scope, rules: Rules) -> list[Ranked]:
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
    flags = _flag_counts(_confirmed_flags(user, campaign, scope), Coalesce("cadre__unit", "case__unit"), campaign)  # field flags name a cadre, case flags a case
    visits = _visit_counts(user, campaign, scope, F("cadre__unit"))
    names = dict(Unit.objects.filter(pk__in={*helped, *cases}).values_list("pk", "name"))
    rows = []
    for pk, name in names.items():
        row = _row(name, "", helped.get(pk), cases.get(pk))
        _add_trust(row, flags, visits, pk)
        rows.append(row)
    return _rank(rows, rules)
