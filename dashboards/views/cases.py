"""The case dashboard (supervisors, desktop): figures by region, tallies, the weekly trend and the overdue
and supervised cases, each number linking to the case list it counts."""

from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.numbers import percent
from grievances import rates
from grievances.models import Case

from .. import case_figures as dashboard
from ..drilldown import scope_for
from ..tables import Cell, Table, requested_export


def _case_region_table(scope, rows, totals) -> Table:
    cases, here = reverse("grievances:list"), reverse("dashboards:cases")
    table = Table(
        "regions", _("By region"),
        [_("Region"), _("Cases"), _("Open"), _("Overdue"), _("Supervised"), _("Answered on time"), _("Resolution rate"),
         _("Resolved on time"), _("Satisfaction"), _("Petitioners' own ratings"), _("Mediation success"), _("Resolved in the village")],
        note=RATE_DEFINITIONS,
    )

    def line(region, f):
        code = region.code if region else scope.region.code  # the total row lists the whole scope

        def listed(count, **filters):
            return f"{cases}?{scope.query(region=code, **filters)}" if count else ""

        return [
            Cell(region.name if region else _("Total"), f"{here}?{scope.query(region=code)}" if region else ""),
            Cell(f.total, listed(f.total, mark="counted_once")), Cell(f.open, listed(f.open, status="open")),
            Cell(f.overdue, listed(f.overdue, tab="overdue")), Cell(f.supervised, listed(f.supervised, tab="supervised")),
            Cell(f.on_time_acceptance, percent=True), Cell(f.resolution, percent=True), Cell(f.on_time_resolution, percent=True),
            Cell(f.satisfaction, percent=True), Cell(f.self_satisfaction, listed(f.self_evaluated, counted="self_evaluated"), percent=True),
            Cell(f.mediation_success, percent=True), Cell(f.village_share, percent=True),
        ]

    table.rows = [line(region, rows[region.code]) for region in scope.children]
    table.total = line(None, totals)
    return table


def _tally_table(key, title, header, counter, label, scope, filter_name) -> Table:
    """Cases per value of one field, each count linking to the case list filtered by that value."""
    cases = reverse("grievances:list")
    rows = []
    for value, count in sorted(counter.items(), key=lambda item: -item[1]):
        url = f"{cases}?{scope.query(**{filter_name: value})}" if value else ""
        rows.append([Cell(label(value) or _("None")), Cell(count, url)])
    return Table(key, title, [header, _("Cases")], rows=rows)


def _marks_table(totals, scope) -> Table:
    """集体访, 越级访, 非正常访 and 重复件: how many of the scope's cases carry each mark, each opening its list."""
    cases = reverse("grievances:list")
    counts = {"collective": totals.collective, "skipped_level": totals.skipped_level, "abnormal": totals.abnormal, "repeat": totals.repeats}
    return Table("marks", _("Marked cases"), [_("Mark"), _("Cases")], rows=[
        [Cell(str(rates.MARKS[name][0])), Cell(count, f"{cases}?{scope.query(mark=name)}" if count else "")] for name, count in counts.items()
    ], note=_("A repeat (重复件) is counted once, in its original: it is in no other figure of this page."))


def _case_list_table(key, title, sample, more_url, today) -> Table:
    return Table(
        key, title,
        [_("Case number"), _("Township"), _("Village"), _("Status"), _("Responsible unit"), _("Responsible leader"), _("Due"), _("Days left")],
        rows=[[Cell(c.number, reverse("grievances:detail", args=[c.pk])), Cell(c.village.parent.name if c.village.parent else ""),
               Cell(c.village.name), Cell(c.get_status_display()), Cell(str(c.unit or "")), Cell(str(c.leader or "")),
               Cell(c.current_due[1] if c.current_due else None), Cell(c.days_left(today))] for c in sample],
        more_url=more_url,
    )


RATE_DEFINITIONS = gettext_lazy(
    "Cases registered in the chosen dates. Answered on time: accepted or refused by the acceptance limit, of those answered or past it. "
    "Resolution rate: resolved of accepted. Resolved on time: by the resolution limit, of those resolved or past it. "
    "Satisfaction: satisfied or fairly satisfied of those rated. Petitioners' own ratings: the same of those the petitioners "
    "gave themselves on the lookup page (with a code texted to their phone), apart from ratings staff recorded. Mediation success: disputes with an agreement of those mediated. "
    "Resolved in the village (小事不出村): resolved at village level of those resolved."
)


@require_GET
@permission_required(["campaigns.view_dashboards", "grievances.view_case"], raise_exception=True)
def case_dashboard(request):
    today = timezone.localdate()
    scope, form = scope_for(request, default_from=today.replace(month=1, day=1), default_to=today)
    rows = dashboard.region_figures(request.user, scope, today)
    cases = dashboard.scoped_cases(request.user, scope)
    # Every case lies in one child region, so the rows add up to the total; a village has no rows.
    totals = dashboard.CaseFigures.sum_of(rows.values()) if rows else dashboard.figures(cases, today)
    tallies = dashboard.breakdown(cases)
    trend = dashboard.weekly_trend(request.user, scope)
    list_url = reverse("grievances:list")
    tables = [
        _case_region_table(scope, rows, totals),
        _tally_table("status", _("By status"), _("Status"), tallies.status, lambda v: str(Case.Status(v).label), scope, "status"),
        _tally_table("type", _("By type"), _("Type"), tallies.type, lambda v: str(Case.Type(v).label), scope, "type"),
        _tally_table("category", _("By category"), _("Category"), tallies.category, tallies.category_names.get, scope, "category"),
        _tally_table("level", _("By handling level"), _("Handling level"), tallies.level, lambda v: str(Case.Level(v).label), scope, "level"),
        _marks_table(totals, scope),
        Table("weeks", _("Opened and closed per week"), [_("Week of"), _("Opened"), _("Closed")],
              rows=[[Cell(monday), Cell(opened), Cell(closed)] for monday, opened, closed in trend]),
        _case_list_table("overdue", _("Overdue"), dashboard.case_sample(cases, Case.overdue_q(today)),
                         f"{list_url}?{scope.query(tab='overdue')}", today),
        _case_list_table("supervised", _("Supervised by a leader (挂牌督办)"), dashboard.case_sample(cases, Q(supervised=True)),
                         f"{list_url}?{scope.query(tab='supervised')}", today),
    ]
    if download := requested_export(request, tables, _("Cases"), scope.region.name):
        return download
    return render(request, "dashboards/cases.html", {
        "scope": scope, "form": form, "tables": {table.key: table for table in tables},
        "tallies": [table for table in tables if table.key in {"status", "type", "category", "level", "marks"}],
        "headline": [
            (_("Cases"), totals.total), (_("Open"), totals.open), (_("Overdue"), totals.overdue), (_("Supervised"), totals.supervised),
            (_("Answered on time"), percent(totals.on_time_acceptance)), (_("Resolution rate"), percent(totals.resolution)),
            (_("Resolved on time"), percent(totals.on_time_resolution)), (_("Satisfaction"), percent(totals.satisfaction)),
            (_("Petitioners' own ratings"), f"{percent(totals.self_satisfaction)} ({totals.self_evaluated}/{totals.evaluated})"),
            (_("Mediation success"), percent(totals.mediation_success)), (_("Resolved in the village"), percent(totals.village_share)),
        ],
        "trend_chart": {"type": "bar", "x": [m.isoformat() for m, _o, _c in trend],
                        "series": [{"name": _("Opened"), "data": [o for _m, o, _c in trend]},
                                   {"name": _("Closed"), "data": [c for _m, _o, c in trend]}]},
        "status_chart": {"type": "pie", "series": [{"name": _("By status"), "data": [
            {"name": str(Case.Status(value).label), "value": count} for value, count in tallies.status.items()]}]},
    })
