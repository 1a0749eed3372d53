from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.roles import Role
from campaigns import dashboard
from campaigns import selectors as campaign_selectors
from campaigns.views.helpers import param
from grievances import selectors as case_selectors

from . import rankings as ranking
from . import selectors
from .drilldown import scope_for
from .tables import Cell, Table, requested_export


CASE_COUNT_LABELS = {
    "handled": gettext_lazy("I handle"), "unit": gettext_lazy("My unit's"), "to_accept": gettext_lazy("To accept or refuse"),
    "to_assign": gettext_lazy("To assign"), "to_rate": gettext_lazy("Rating to record"), "led": gettext_lazy("I lead"),
    "to_close": gettext_lazy("To close (销号)"), "overdue": gettext_lazy("Overdue"),
}


@require_GET
def home(request):
    """The signed-in user's start page, one section per role they hold."""
    user = request.user
    is_admin = user.is_superuser or user.has_role(Role.CAMPAIGN_ADMIN)
    is_case_worker = bool(user.roles & {Role.HANDLER, Role.LEADER})
    cases = case_selectors.home_cases(user) if is_case_worker else None
    case_list = reverse("grievances:list")
    context = {
        "roles": sorted(user.roles, key=list(Role).index),
        "is_cadre": user.has_role(Role.CADRE),
        "assignment": campaign_selectors.my_assignment(user) if user.has_role(Role.CADRE) else None,
        "is_case_worker": is_case_worker,
        "case_counts": [(key, CASE_COUNT_LABELS[key], count, f"{case_list}?{query}") for key, count, query in cases.counts] if cases else [],
        "waiting_cases": cases.waiting if cases else [],
        "reminders": cases.reminders if cases else [],
        "counts": selectors.jurisdiction_counts(user),
        "campaigns": selectors.home_campaigns(user),
        "celery": selectors.celery_status() if is_admin or user.is_staff else None,
    }
    return render(request, "home.html", context)


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

    here = reverse("rankings")
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
