"""打分排序: the regions one level down and the units working in the scope, by a weighted score.

Each figure of a region row opens the list of the records it is counted from (links only for a non-zero
count, as on the campaign dashboard); the Excel export holds the values alone."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import Region
from campaigns.models import Flag
from core.views import param

from .. import campaign_figures as dashboard
from .. import rankings as ranking
from ..drilldown import Scope, scope_for
from ..tables import Cell, Table, requested_export

Indicator = ranking.Indicator
# Each case indicator and the cases its rate divides by (grievances.rates.BASES): the case list's `counted` filter.
CASE_INDICATORS = {Indicator.ON_TIME_ACCEPTANCE: "due_for_answer", Indicator.ON_TIME_RESOLUTION: "due_for_resolution",
                   Indicator.CASE_SATISFACTION: "evaluated", Indicator.MEDIATION_SUCCESS: "mediated"}

REGION_LINKS = gettext_lazy(
    "Each figure opens the records it is counted from. Household coverage: the households registered, visited or not "
    "(the number shown when too few). Residents' rating: the residents' ratings. The case indicators: the cases registered "
    "in the chosen dates that the rate is counted over (due for an answer, due for resolution, rated, mediated). Confirmed fabrications: the campaign's flags confirmed (属实), "
    "for townships only and when no case's flag is among them (the flag queue filters neither by village nor by case). "
    "Visits flagged: the campaign's visits with a flag under review or confirmed."
)
UNIT_LINKS = gettext_lazy("Units' figures open no list: no list can be narrowed to a unit.")


def _listed(scope: Scope, url_name: str, count: int, **query) -> str:
    """The list of a figure's records with the page's campaign, region and dates; none for a zero, which has no rows."""
    return f"{reverse(url_name)}?{scope.query(**query)}" if count else ""


def _region_links(scope: Scope, campaign, r: ranking.Ranked, *, cases: bool, flags: bool) -> dict[str, str]:
    """Where each figure of a region row drills to, as REGION_LINKS says: `cases` and `flags` when the user may see
    those lists (and, for flags, the rows are townships of a campaign)."""
    links = {
        # The denominator: the records the 样本不足 count is the number of.
        Indicator.COVERAGE: _listed(scope, "dashboards:campaign-households", r.records[Indicator.COVERAGE], region=r.code),
        Indicator.RESIDENT_SATISFACTION: _listed(scope, "dashboards:campaign-ratings", r.records[Indicator.RESIDENT_SATISFACTION], region=r.code),
        # The cases the rate is counted over: as many as the 样本不足 count says.
        **{key: _listed(scope, "grievances:list", r.records[key] if cases else 0, region=r.code, campaign=None, counted=base)
           for key, base in CASE_INDICATORS.items()},
    }
    if flags and r.confirmed_flags and r.campaign_flags == r.confirmed_flags:
        query = urlencode({"state": Flag.State.CONFIRMED.value, "township": r.code, "campaign": campaign.pk})
        links["confirmed"] = f"{reverse('flags:list')}?{query}"
    if r.flagged_days:
        # The visit list is dated; the rankings count the whole campaign: its dates, and any flagged visit outside them.
        first, last = r.flagged_days
        links["flagged"] = _listed(scope, "dashboards:campaign-visits", r.flagged_visits, region=r.code, only="flagged",
                                   date_from=min(first, campaign.start_date).isoformat(), date_to=max(last, campaign.end_date).isoformat())
    return links


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def rankings(request):
    """打分排序 of the regions one level down and of the units working in the scope."""
    today = timezone.localdate()
    user = request.user
    campaign, choices = dashboard.campaign_choice(user, param(request, "campaign"), today=today)
    start, end = dashboard.default_range(campaign, today) if campaign else (today.replace(month=1, day=1), today)
    scope, form = scope_for(request, default_from=start, default_to=end, kept={"campaign": str(campaign.pk)} if campaign else {})
    rules = ranking.rules(campaign_chosen=campaign is not None)
    labels = {indicator.value: indicator.label for indicator in Indicator}
    shown = rules.weighted
    cases_listed = user.has_perm("grievances.view_case")
    # The flag queue filters by township and campaign: flags of the campaign's field records, when the rows are townships.
    flags_listed = campaign is not None and user.has_perm("campaigns.view_flag") and scope.region.level + 1 == Region.Level.TOWNSHIP

    def indicator_cell(row, key, url):
        if row.counts(key, rules):
            return Cell(row.values[key], url, percent=True)
        return Cell(_("Too few records (%(count)s)") % {"count": row.records[key]}, url)

    def score_cell(row):
        if row.score is not None:
            return Cell(row.score, percent=True)
        return Cell(_("Too few records") if shown else None)  # with every weight 0 there is no score to miss

    def line(r, name_url, links):
        return [Cell(r.rank), Cell(r.name, name_url), *[indicator_cell(r, k, links.get(k, "")) for k in shown],
                Cell(r.confirmed_flags, links.get("confirmed", "")), Cell(ranking.points_off(r, rules)), score_cell(r),
                Cell(r.flagged_share, links.get("flagged", ""), percent=True)]

    headers = [_("Rank"), _("Name"), *[labels[k] for k in shown], _("Confirmed fabrications"), _("Points off"), _("Score"), _("Visits flagged")]
    here = reverse("dashboards:rankings")
    tables = [
        Table("regions", _("Regions"), headers, note=REGION_LINKS,
              rows=[line(r, f"{here}?{scope.query(region=r.code)}", _region_links(scope, campaign, r, cases=cases_listed, flags=flags_listed))
                    for r in ranking.region_ranking(user, campaign, scope, rules)]),
        Table("units", _("Units"), headers, note=UNIT_LINKS,
              rows=[line(r, "", {}) for r in ranking.unit_ranking(user, campaign, scope, rules)]),
    ]
    if download := requested_export(request, tables, _("Rankings"), scope.region.name):
        return download
    return render(request, "dashboards/rankings.html", {
        "campaign": campaign, "choices": choices, "scope": scope, "form": form, "tables": tables,
        "formula": ranking.formula(rules), "points_per_flag": rules.points_per_flag,
        "weights": [(labels[k], rules.weights[k], rules.minimums[k], ranking.RECORDS[k]) for k in shown],
    })
