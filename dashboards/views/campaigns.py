"""The campaign dashboard (supervisors, desktop); its numbers link to the lists in views/campaign_lists.py."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns import rollups
from campaigns.models import VisitKind
from core.numbers import share
from core.views import param

from .. import campaign_figures as dashboard
from .. import trust
from ..drilldown import Scope, scope_for
from ..tables import Cell, Table, requested_export

VISITS, HOUSEHOLDS, RATINGS = "dashboards:campaign-visits", "dashboards:campaign-households", "dashboards:campaign-ratings"
POSTED = "dashboards:campaign-posted"


def _link(scope: Scope, url_name: str, count=1, **query) -> str:
    """Where a number drills to, keeping the campaign, region and dates; none for a zero, which has no rows."""
    return f"{reverse(url_name)}?{scope.query(**query)}" if count else ""


def _region_table(scope, rows, totals, link_cases: bool, shares: dict[str, tuple[int, int]]) -> Table:
    table = Table(
        "regions", _("By region"),
        [_("Region"), _("Target villages"), _("Cadres posted today"), _("Checked in today"), _("Absent today"), _("Households"),
         _("Households visited"), _("Coverage"), _("Visits"), _("Nights stayed"), _("Practical deeds"), _("Value of deeds (yuan)"),
         _("Demands collected"), _("Residents' ratings"), _("Satisfaction"), _("Visits flagged")],
        note=_("Coverage and residents' ratings count the whole campaign so far; visits, nights, deeds and demands count the chosen dates; presence counts today. "
               "Visits flagged: the share of the chosen dates' visits with a flag under review or confirmed."),
    )
    def flagged(code):
        """The share of the dates' visits with a flag under review or confirmed; it opens those visits."""
        counted = shares.get(code) if code else tuple(map(sum, zip(*shares.values(), strict=True))) if shares else None
        if not counted:
            return Cell(None, percent=True)
        return Cell(share(*counted), _link(scope, VISITS, counted[0], region=code or scope.region.code, only="flagged"), percent=True)

    def line(label, code, f):
        def to(url_name, count=1, **query):  # the total row lists the whole region of the page
            return _link(scope, url_name, count, region=code or scope.region.code, **query)

        here = to("dashboards:campaigns") if code else ""  # the total row's region is this page
        return [
            Cell(label, here), Cell(f.villages, here),
            Cell(f.cadres_today, to(POSTED, f.cadres_today)), Cell(f.checked_in, to(POSTED, f.checked_in, checked=1)),
            Cell(f.absent, to("work:absent", f.absent)), Cell(f.households, to(HOUSEHOLDS, f.households)),
            Cell(f.visited_households, to(HOUSEHOLDS, f.visited_households, visited=1)),
            Cell(f.coverage, to(HOUSEHOLDS, f.households), percent=True),  # the households it divides by, as satisfaction its ratings
            Cell(f.visits, to(VISITS, f.visits)), Cell(f.nights, to(VISITS, f.nights, only="overnight")),
            Cell(f.deeds, to(VISITS, f.deeds, only="deeds")), Cell(f.deed_value, to(VISITS, f.deed_value, only="valued")),
            Cell(f.demands, to("grievances:list", f.demands if link_cases else 0, source="visit")),
            Cell(f.ratings, to(RATINGS, f.ratings)), Cell(f.satisfaction, to(RATINGS, f.ratings), percent=True), flagged(code),
        ]

    table.rows = [line(region.name, region.code, rows[region.code]) for region in scope.children]
    table.total = line(_("Total"), "", totals)
    return table


def _cadre_table(scope, cadres) -> Table:
    def to(c, url_name, count=1, **query):
        return _link(scope, url_name, count, cadre=c.cadre.pk, **query)

    return Table(
        "cadres", _("Cadres of the work team"),
        [_("Cadre"), _("Unit"), _("Checked in today"), _("Visits"), _("Households visited"), _("Nights stayed"), _("Practical deeds"), _("Demands collected")],
        rows=[
            [Cell(c.cadre.real_name, to(c, VISITS)), Cell(str(c.cadre.unit or "")), Cell(_("yes") if c.checked_in else _("no")),
             Cell(c.visits, to(c, VISITS, c.visits)), Cell(c.households, to(c, HOUSEHOLDS, c.households, visited=1)),
             Cell(c.nights, to(c, VISITS, c.nights, only="overnight")), Cell(c.deeds, to(c, VISITS, c.deeds, only="deeds")), Cell(c.demands)]
            for c in cadres
        ],
    )


def _daily_table(days) -> Table:
    return Table("days", _("Visits per day"), [_("Day"), _("Visits"), _("Nights stayed")],
                 rows=[[Cell(day), Cell(visits), Cell(nights)] for day, visits, nights in days])


def _kinds_table(totals) -> Table:
    """四访 (visits by kind) and 三同 (meals, nights, days of labour together) in the chosen dates."""
    labels = {"meals": _("Meals together"), "nights": _("Nights stayed"), "labour": _("Days laboured together")}
    return Table("kinds", _("四访 and 三同"), [_("Item"), _("Count")],
                 rows=[*([Cell(str(kind.label)), Cell(getattr(totals, kind.value))] for kind in VisitKind),
                       *([Cell(labels[name]), Cell(getattr(totals, name))] for name in dashboard.THREE_TOGETHERS)])


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def campaign_dashboard(request):
    today = timezone.localdate()
    campaign, choices = dashboard.campaign_choice(request.user, param(request, "campaign"), today=today)
    if campaign is None:
        return render(request, "dashboards/campaign.html", {"campaign": None})
    start, end = dashboard.default_range(campaign, today)
    scope, form = scope_for(request, default_from=start, default_to=end, kept={"campaign": str(campaign.pk)})
    days = dashboard.visits_per_day(request.user, campaign, scope)
    trusted = param(request, "trusted") == "1"  # the switch: without the records a supervisor confirmed fabricated (属实)
    if trusted:
        days = trust.days_without_fabrications(request.user, campaign, scope, days)
    refreshed_at = rollups.freshness()
    context = {
        "campaign": campaign, "choices": choices, "scope": scope, "form": form, "refreshed_at": refreshed_at,
        "upcoming": campaign.is_upcoming(today=today),
        "refresh_minutes": max(1, settings.ROLLUP_REFRESH_SECONDS // 60),
        # Two missed refreshes: beat or the worker has stopped, and the page says so.
        "stale": refreshed_at is not None and timezone.now() - refreshed_at > timedelta(seconds=2 * settings.ROLLUP_REFRESH_SECONDS + 60),
        "trusted": trusted,
    }
    if scope.is_village:
        cadres = dashboard.cadre_figures(request.user, campaign, scope, today)
        tables = [_cadre_table(scope, cadres), _daily_table(days)]
        totals = None
    else:
        rows = dashboard.region_figures(request.user, campaign, scope, today)
        if context["trusted"]:
            context["removed"] = trust.without_fabrications(request.user, campaign, scope, rows)
        totals = dashboard.Figures.sum_of(rows.values())
        shares = trust.flagged_shares(request.user, campaign, scope)
        tables = [_region_table(scope, rows, totals, request.user.has_perm("grievances.view_case"), shares), _kinds_table(totals), _daily_table(days)]
        context["coverage_chart"] = {
            "type": "bar", "x": [region.name for region in scope.children], "percent": True,
            "series": [{"name": _("Coverage"), "data": [round((rows[r.code].coverage or 0) * 100, 1) for r in scope.children]}],
        }
        context["kinds_chart"] = {"type": "pie", "series": [{"name": _("Visits by kind (四访)"), "data": [
            {"name": str(kind.label), "value": getattr(totals, kind.value)} for kind in VisitKind]}]}
        context["absent"] = dashboard.absent_today(request.user, campaign, scope)
    if download := requested_export(request, tables, campaign.name, scope.region.name):
        return download
    context.update({
        "tables": tables, "totals": totals, "total": tables[0].total if totals else None,  # the headline's figures and links
        "days_chart": {"type": "line", "x": [d.isoformat() for d, _v, _n in days],
                       "series": [{"name": _("Visits"), "data": [v for _d, v, _n in days]},
                                  {"name": _("Nights stayed"), "data": [n for _d, _v, n in days]}]},
    })
    return render(request, "dashboards/campaign.html", context)
