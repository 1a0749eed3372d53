"""打分排序: the regions one level down and the units working in the scope, by a weighted score."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.views import param

from .. import campaign_figures as dashboard
from .. import rankings as ranking
from ..drilldown import scope_for
from ..tables import Cell, Table, requested_export


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def rankings(request):
    """打分排序 of the regions one level down and of the units working in the scope."""
    today = timezone.localdate()
    campaign, choices = dashboard.campaign_choice(request.user, param(request, "campaign"), today=today)
    start, end = dashboard.default_range(campaign, today) if campaign else (today.replace(month=1, day=1), today)
    scope, form = scope_for(request, default_from=start, default_to=end, kept={"campaign": str(campaign.pk)} if campaign else {})
    rules = ranking.rules(campaign_chosen=campaign is not None)
    labels = {indicator.value: indicator.label for indicator in ranking.Indicator}
    shown = rules.weighted

    def indicator_cell(row, key):
        if row.counts(key, rules):
            return Cell(row.values[key], percent=True)
        return Cell(_("Too few records (%(count)s)") % {"count": row.records[key]})

    def score_cell(row):
        if row.score is not None:
            return Cell(row.score, percent=True)
        return Cell(_("Too few records") if shown else None)  # with every weight 0 there is no score to miss

    def table(key, title, rows, link):
        return Table(
            key, title,
            [_("Rank"), _("Name"), *[labels[k] for k in shown], _("Confirmed fabrications"), _("Points off"), _("Score"), _("Visits flagged")],
            rows=[[Cell(r.rank), Cell(r.name, link(r)), *[indicator_cell(r, k) for k in shown], Cell(r.confirmed_flags),
                   Cell(ranking.points_off(r, rules)), score_cell(r), Cell(r.flagged_share, percent=True)]
                  for r in rows],
        )

    here = reverse("dashboards:rankings")
    tables = [
        table("regions", _("Regions"), ranking.region_ranking(request.user, campaign, scope, rules),
              lambda r: f"{here}?{scope.query(region=r.code)}"),
        table("units", _("Units"), ranking.unit_ranking(request.user, campaign, scope, rules), lambda r: ""),
    ]
    if download := requested_export(request, tables, _("Rankings"), scope.region.name):
        return download
    return render(request, "dashboards/rankings.html", {
        "campaign": campaign, "choices": choices, "scope": scope, "form": form, "tables": tables,
        "formula": ranking.formula(rules), "points_per_flag": rules.points_per_flag,
        "weights": [(labels[k], rules.weights[k], rules.minimums[k], ranking.RECORDS[k]) for k in shown],
    })
