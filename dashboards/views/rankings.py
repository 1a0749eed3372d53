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
    weights = ranking.weights()
    labels = {indicator.value: indicator.label for indicator in ranking.Indicator}
    shown = [key for key, weight in weights.items() if weight]

    def table(key, title, rows, link):
        return Table(
            key, title, [_("Rank"), _("Name"), *[labels[k] for k in shown], _("Score")],
            rows=[[Cell(r.rank), Cell(r.name, link(r)), *[Cell(r.values[k], percent=True) for k in shown], Cell(r.score, percent=True)]
                  for r in rows],
        )

    here = reverse("dashboards:rankings")
    tables = [
        table("regions", _("Regions"), ranking.region_ranking(request.user, campaign, scope, weights),
              lambda r: f"{here}?{scope.query(region=r.code)}"),
        table("units", _("Units"), ranking.unit_ranking(request.user, campaign, scope, weights), lambda r: ""),
    ]
    if download := requested_export(request, tables, _("Rankings"), scope.region.name):
        return download
    return render(request, "dashboards/rankings.html", {
        "campaign": campaign, "choices": choices, "scope": scope, "form": form, "tables": tables,
        "formula": ranking.formula(weights), "weights": [(labels[k], weights[k]) for k in shown],
    })
