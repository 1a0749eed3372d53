"""The campaign dashboard (supervisors, desktop) and the visit list its numbers drill down to."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.exports import personal_data_export, workbook_response
from campaigns import rollups
from campaigns.models import Visit, VisitKind
from core.views import id_param, page, param

from .. import campaign_figures as dashboard
from ..drilldown import scope_for
from ..tables import Cell, Table, requested_export


def _region_table(scope, rows, totals, link_cases: bool) -> Table:
    here = reverse("dashboards:campaigns")
    visits = reverse("dashboards:campaign-visits")
    absent = reverse("work:absent")
    cases = reverse("grievances:list")
    table = Table(
        "regions", _("By region"),
        [_("Region"), _("Target villages"), _("Cadres posted today"), _("Checked in today"), _("Absent today"), _("Households"),
         _("Households visited"), _("Coverage"), _("Visits"), _("Nights stayed"), _("Practical deeds"), _("Value of deeds (yuan)"),
         _("Demands collected"), _("Residents' ratings"), _("Satisfaction")],
        note=_("Coverage and residents' ratings count the whole campaign so far; visits, nights, deeds and demands count the chosen dates; presence counts today."),
    )

    def line(label, url_query, f):
        drill = f"{here}?{url_query}" if url_query else ""
        listed = f"{visits}?{url_query}" if url_query else ""
        return [
            Cell(label, drill), Cell(f.villages, drill), Cell(f.cadres_today), Cell(f.checked_in),
            Cell(f.absent, f"{absent}?{url_query}" if url_query and f.absent else ""), Cell(f.households), Cell(f.visited_households),
            Cell(f.coverage, percent=True), Cell(f.visits, listed if f.visits else ""), Cell(f.nights), Cell(f.deeds),
            Cell(f.deed_value), Cell(f.demands, f"{cases}?{url_query}&source=visit" if link_cases and url_query and f.demands else ""),
            Cell(f.ratings), Cell(f.satisfaction, percent=True),
        ]

    table.rows = [line(region.name, scope.query(region=region.code), rows[region.code]) for region in scope.children]
    table.total = line(_("Total"), "", totals)
    return table


def _cadre_table(scope, cadres) -> Table:
    visits = reverse("dashboards:campaign-visits")
    return Table(
        "cadres", _("Cadres of the work team"),
        [_("Cadre"), _("Unit"), _("Checked in today"), _("Visits"), _("Households visited"), _("Nights stayed"), _("Practical deeds"), _("Demands collected")],
        rows=[
            [Cell(c.cadre.real_name, f"{visits}?{scope.query(cadre=c.cadre.pk)}"), Cell(str(c.cadre.unit or "")),
             Cell(_("yes") if c.checked_in else _("no")), Cell(c.visits, f"{visits}?{scope.query(cadre=c.cadre.pk)}" if c.visits else ""),
             Cell(c.households), Cell(c.nights), Cell(c.deeds), Cell(c.demands)]
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
    refreshed_at = rollups.freshness()
    context = {
        "campaign": campaign, "choices": choices, "scope": scope, "form": form, "refreshed_at": refreshed_at,
        "upcoming": campaign.is_upcoming(today=today),
        "refresh_minutes": max(1, settings.ROLLUP_REFRESH_SECONDS // 60),
        # Two missed refreshes: beat or the worker has stopped, and the page says so.
        "stale": refreshed_at is not None and timezone.now() - refreshed_at > timedelta(seconds=2 * settings.ROLLUP_REFRESH_SECONDS + 60),
    }
    if scope.is_village:
        cadres = dashboard.cadre_figures(request.user, campaign, scope, today)
        tables = [_cadre_table(scope, cadres), _daily_table(days)]
        totals = None
    else:
        rows = dashboard.region_figures(request.user, campaign, scope, today)
        totals = dashboard.Figures.sum_of(rows.values())
        tables = [_region_table(scope, rows, totals, request.user.has_perm("grievances.view_case")), _kinds_table(totals), _daily_table(days)]
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
        "tables": tables, "totals": totals,
        "days_chart": {"type": "line", "x": [d.isoformat() for d, _v, _n in days],
                       "series": [{"name": _("Visits"), "data": [v for _d, v, _n in days]},
                                  {"name": _("Nights stayed"), "data": [n for _d, _v, n in days]}]},
    })
    return render(request, "dashboards/campaign.html", context)


def _drilled_visits(request):
    """The visits behind a dashboard number: a region (or one cadre there), a date range."""
    today = timezone.localdate()
    campaign, _choices = dashboard.campaign_choice(request.user, param(request, "campaign"), today=today)
    if campaign is None:
        raise Http404
    start, end = dashboard.default_range(campaign, today)
    scope, _form = scope_for(request, default_from=start, default_to=end, kept={"campaign": str(campaign.pk)})
    visits = (
        Visit.objects.in_jurisdiction_of(request.user).in_region(scope.region.code)
        .filter(assignment__target_village__campaign=campaign, visited_on__range=(scope.date_from, scope.date_to))
        .select_related("cadre", "household", "assignment__target_village__village__parent")
        .order_by("-visited_on", "-recorded_at", "-pk")
    )
    cadre = param(request, "cadre")
    if cadre:
        cadre_id = id_param(request, "cadre")
        visits = visits.filter(cadre_id=cadre_id) if cadre_id else visits.none()
    return campaign, scope, cadre, visits


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_visits(request):
    campaign, scope, cadre, visits = _drilled_visits(request)
    return render(request, "dashboards/visits.html", {
        "campaign": campaign, "scope": scope, "page": page(request, visits, 50), "cadre": cadre,
    })


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_visits_export(request):
    """The same visits as an Excel download: households' names are residents' personal data (a stated purpose)."""
    return personal_data_export(request, lambda purpose: _visit_workbook(request, purpose))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _visit_workbook(request, purpose: str):
    campaign, scope, _cadre, visits = _drilled_visits(request)
    headers = [_("Visited on"), _("Cadre"), _("Township"), _("Village"), _("Household"), _("Kinds of visit"), _("Ate together"),
               _("Stayed overnight"), _("Laboured together"), _("Diary"), _("Practical deed done"), _("Value of money or goods (yuan)"),
               _("Entered at"), _("Received at"), _("Entered offline")]
    yes = _("Yes")
    rows = (
        [v.visited_on, v.cadre.real_name, v.assignment.target_village.village.parent.name, v.assignment.target_village.village.name,
         v.household.head_name if v.household else _("Village-level activity"), "、".join(v.kind_labels),
         yes if v.ate_together else "", yes if v.stayed_overnight else "", yes if v.laboured_together else "", v.diary, v.deed,
         v.deed_value, _when(v.entered_at), _when(v.recorded_at),
         _("entered offline, uploaded %(at)s") % {"at": _when(v.synced_at)} if v.synced_at else ""]
        for v in visits.iterator(chunk_size=2000)
    )
    filename = f"走访记录-{campaign.name}-{scope.region.name}-{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}.xlsx"
    return workbook_response(filename, _("Visits"), headers, rows, purpose=purpose)
