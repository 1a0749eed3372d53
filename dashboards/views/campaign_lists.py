"""The lists the campaign dashboard's numbers drill down to (views/campaigns.py links them).

Every number of a region or a cadre opens exactly the rows it counts — cadres posted and checked in today, visits,
nights stayed, practical deeds and their value, households registered and visited, residents' ratings — with the campaign, region,
dates and scoping of the figure (campaign_figures.py, campaigns/rollups.py), and exports them to Excel
behind a stated purpose (residents' personal data).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib.auth.decorators import permission_required
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.exports import personal_data_export, workbook_response
from accounts.models import User
from campaigns import selectors
from campaigns.flags import with_distance
from campaigns.models import Assignment, Campaign, CheckIn, Evaluation, Flag, Household, TargetVillage, Visit
from core.views import id_param, page, param

from .. import campaign_figures as dashboard
from ..drilldown import Scope, scope_for
from ..trust import FLAGGED

LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class Drill:
    """Where a list was opened from: the dashboard's campaign, region and dates, and the cadre whose number it was."""

    user: User
    campaign: Campaign
    scope: Scope
    cadre: User | None = None

    def scoped(self, model):
        """The model's rows in the region, under the user's jurisdiction: as the figures count them."""
        return model.objects.in_jurisdiction_of(self.user).in_region(self.scope.region.code)

    @property
    def dates(self):
        return self.scope.date_from, self.scope.date_to


@dataclass(frozen=True)
class Listing:
    """Which of a list's rows a number counts (?only=, ?visited=): the page's title, and what it says when empty."""

    title: str
    empty: str
    narrow: Callable = lambda rows: rows
    note: str = ""
    shows_deeds: bool = False


def _drill(request) -> Drill:
    """The campaign, region and dates the dashboard link carried (404 outside the user's reach), and its cadre if any."""
    today = timezone.localdate()
    campaign, _choices = dashboard.campaign_choice(request.user, param(request, "campaign"), today=today)
    if campaign is None:
        raise Http404
    start, end = dashboard.default_range(campaign, today)
    scope, _form = scope_for(request, default_from=start, default_to=end, kept={"campaign": str(campaign.pk)})
    drill = Drill(request.user, campaign, scope)
    return replace(drill, cadre=_team_cadre(drill, id_param(request, "cadre"))) if param(request, "cadre") else drill


def _team_cadre(drill: Drill, cadre_id: int | None) -> User:
    """The cadre asked for, posted to the campaign in the region; anyone else is a 404, as for any object."""
    posted = drill.scoped(Assignment).filter(target_village__campaign=drill.campaign, cadre_id=cadre_id).select_related("cadre").first()
    if posted is None:
        raise Http404
    return posted.cadre


def _listing(request, name: str, listings: dict[str, Listing]) -> Listing:
    listing = listings.get(param(request, name))
    if listing is None:
        raise Http404
    return listing


def _list_page(request, template: str, drill: Drill, rows, *, title: str, export: str, dated: bool, **context):
    """A drill-down list (templates/dashboards/_drill.html): its heading, breadcrumbs, count and export, 50 rows a page."""
    return render(request, template, {
        "campaign": drill.campaign, "scope": drill.scope, "drill": drill, "title": title, "export": export, "dated": dated,
        "page": context.pop("shown", None) or page(request, rows, LIST_PAGE_SIZE), **context,
    })


def _filename(drill: Drill, title: str, *, dated: bool) -> str:
    dates = [f"{drill.scope.date_from:%Y%m%d}", f"{drill.scope.date_to:%Y%m%d}"] if dated else []
    cadre = [drill.cadre.real_name] if drill.cadre else []
    return "-".join([str(title), drill.campaign.name, drill.scope.region.name, *cadre, *dates]) + ".xlsx"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _one_visit_a_night(visits):
    """A night counts once for a cadre, a village and a day, however many of that day's visits say so
    (campaigns.rollups counts distinct cadres): the first of them entered stands for the night."""
    earlier = Visit.objects.filter(
        cadre=OuterRef("cadre"), visited_on=OuterRef("visited_on"), assignment__target_village=OuterRef("assignment__target_village"),
        stayed_overnight=True, pk__lt=OuterRef("pk"),
    )
    return visits.filter(stayed_overnight=True).exclude(Exists(earlier))


# ?checked= on the list of cadres posted today: the dashboard's "posted today" and "checked in today".
POSTED_LISTINGS = {
    "": Listing(gettext_lazy("Cadres posted today"), gettext_lazy("Nobody is posted to these villages today.")),
    "1": Listing(gettext_lazy("Checked in today"), gettext_lazy("Nobody posted here has checked in today."),
                 lambda rows: rows.filter(check_in_id__isnull=False)),
}


def _drilled_posted(request):
    """The cadres behind "posted today" and "checked in today": today's assignments of the campaign in the region, as
    campaign_figures counts them, each with the id of the cadre's check-in today (read by `_with_check_ins`)."""
    drill = _drill(request)
    listing = _listing(request, "checked", POSTED_LISTINGS)
    today = timezone.localdate()
    check_in = drill.scoped(CheckIn).filter(cadre=OuterRef("cadre"), day=today).order_by("checked_at").values("pk")[:1]
    posted = (
        drill.scoped(Assignment).filter(target_village__campaign=drill.campaign, target_village__campaign__status=Campaign.Status.ACTIVE)
        .current_on(today).annotate(check_in_id=Subquery(check_in))
        .select_related("cadre__unit", "target_village__village__parent").order_by("target_village__village_id", "cadre__real_name", "pk")
    )
    return drill, listing, listing.narrow(posted), today


def _with_check_ins(assignments) -> list[Assignment]:
    """The assignments, each with its cadre's check-in of today (`check_in`, None if none) and how far from the village
    it was entered (its `distance_m`), in one query for all of them."""
    assignments = list(assignments)
    check_ins = with_distance(CheckIn.objects.filter(pk__in=[a.check_in_id for a in assignments if a.check_in_id])).in_bulk()
    for assignment in assignments:
        assignment.check_in = check_ins.get(assignment.check_in_id)
    return assignments


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_posted(request):
    drill, listing, posted, today = _drilled_posted(request)
    shown = page(request, posted, LIST_PAGE_SIZE)
    shown.object_list = _with_check_ins(shown.object_list)
    tabs = [(item.title, drill.scope.query(checked=key), item is listing) for key, item in POSTED_LISTINGS.items()]
    return _list_page(request, "dashboards/posted.html", drill, posted, title=listing.title, export="dashboards:campaign-posted-export",
                      dated=False, day=today, listing=listing, tabs=tabs, shown=shown)


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_posted_export(request):
    """The same cadres as an Excel download: where each checked in is a cadre's personal data (a stated purpose)."""
    drilled = _drilled_posted(request)
    return personal_data_export(request, lambda purpose: _posted_workbook(*drilled, purpose))


def _posted_workbook(drill: Drill, listing: Listing, posted, today, purpose: str):
    headers = [_("Township"), _("Village"), _("Cadre"), _("Unit"), _("Checked in at"), _("Received at"), _("Entered offline"),
               _("Distance from the village (m)")]

    def rows():
        for start in range(0, posted.count(), 2000):
            for a in _with_check_ins(posted[start:start + 2000]):
                c = a.check_in
                yield [a.target_village.village.parent.name, a.target_village.village.name, a.cadre.real_name, str(a.cadre.unit or ""),
                       _when(c.entered_at) if c else _("not checked in"), _when(c.checked_at) if c else "",
                       _("entered offline, uploaded %(at)s") % {"at": _when(c.synced_at)} if c and c.synced_at else "",
                       round(c.distance_m) if c and c.distance_m is not None else None]

    return workbook_response(f"{listing.title}-{drill.campaign.name}-{drill.scope.region.name}-{today:%Y%m%d}.xlsx", str(listing.title),
                             headers, rows(), purpose=purpose)


# ?only= on the visit list: the visits each activity number counts, as campaigns.rollups sums them.
VISIT_LISTINGS = {
    "": Listing(gettext_lazy("Visits"), gettext_lazy("No visit in these dates.")),
    "overnight": Listing(gettext_lazy("Nights stayed"), gettext_lazy("No night stayed in these dates."), _one_visit_a_night,
                         note=gettext_lazy("A cadre's night in a village counts once a day: the first visit of the day entered as a night stayed is listed.")),
    "deeds": Listing(gettext_lazy("Practical deeds"), gettext_lazy("No practical deed in these dates."),
                     lambda visits: visits.exclude(deed=""), shows_deeds=True),
    # The value sums every visit's money or goods, a deed written down or not.
    "valued": Listing(gettext_lazy("Value of deeds (yuan)"), gettext_lazy("No money or goods given in these dates."),
                      lambda visits: visits.filter(deed_value__gt=0), shows_deeds=True),
    # The rankings' "visits flagged": a flag under review or confirmed names the visit, wherever the flag lies (trust.py).
    "flagged": Listing(gettext_lazy("Flagged visits"), gettext_lazy("No visit with a flag under review or confirmed in these dates."),
                       lambda visits: visits.filter(Exists(Flag.objects.filter(visits=OuterRef("pk"), state__in=FLAGGED)))),
}


def _drilled_visits(request):
    """The visits behind a dashboard number: a region (or one cadre there), a date range, which of them (?only=)."""
    drill = _drill(request)
    listing = _listing(request, "only", VISIT_LISTINGS)
    visits = (
        with_distance(drill.scoped(Visit))  # from the village's reference point, for supervisors to see where it was entered
        .filter(assignment__target_village__campaign=drill.campaign, visited_on__range=drill.dates)
        .select_related("cadre", "household", "assignment__target_village__village__parent")
        .order_by("-visited_on", "-recorded_at", "-pk")
    )
    if drill.cadre:
        visits = visits.filter(cadre=drill.cadre)
    return drill, listing, listing.narrow(visits)


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_visits(request):
    drill, listing, visits = _drilled_visits(request)
    total_value = (visits.aggregate(total=Sum("deed_value"))["total"] or Decimal(0)) if listing.shows_deeds else None
    return _list_page(request, "dashboards/visits.html", drill, visits, title=listing.title, export="dashboards:campaign-visits-export",
                      dated=True, listing=listing, total_value=total_value)


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_visits_export(request):
    """The same visits as an Excel download: households' names are residents' personal data (a stated purpose)."""
    drilled = _drilled_visits(request)  # a region or cadre out of reach is a 404 before any purpose is asked
    return personal_data_export(request, lambda purpose: _visit_workbook(*drilled, purpose))


def _visit_workbook(drill: Drill, listing: Listing, visits, purpose: str):
    headers = [_("Visited on"), _("Cadre"), _("Township"), _("Village"), _("Household"), _("Kinds of visit"), _("Ate together"),
               _("Stayed overnight"), _("Laboured together"), _("Diary"), _("Practical deed done"), _("Value of money or goods (yuan)"),
               _("Entered at"), _("Received at"), _("Entered offline"), _("Distance from the village (m)")]
    yes = _("Yes")
    rows = (
        [v.visited_on, v.cadre.real_name, v.assignment.target_village.village.parent.name, v.assignment.target_village.village.name,
         v.household.head_name if v.household else _("Village-level activity"), "、".join(v.kind_labels),
         yes if v.ate_together else "", yes if v.stayed_overnight else "", yes if v.laboured_together else "", v.diary, v.deed,
         v.deed_value, _when(v.entered_at), _when(v.recorded_at),
         _("entered offline, uploaded %(at)s") % {"at": _when(v.synced_at)} if v.synced_at else "",
         round(v.distance_m) if v.distance_m is not None else None]
        for v in visits.iterator(chunk_size=2000)
    )
    return workbook_response(_filename(drill, listing.title, dated=True), str(listing.title), headers, rows, purpose=purpose)


# ?visited= on the household list: households registered in the target villages, visited or not.
HOUSEHOLD_LISTINGS = {
    "": Listing(gettext_lazy("Households"), gettext_lazy("No household is registered in these villages.")),
    "1": Listing(gettext_lazy("Households visited"), gettext_lazy("No household has been visited yet."), lambda rows: rows.filter(visited=True)),
    "0": Listing(gettext_lazy("Households not yet visited"), gettext_lazy("Every household has been visited."), lambda rows: rows.filter(visited=False)),
}


def _drilled_households(request):
    """The households behind the household and coverage numbers: those registered in the campaign's target
    villages of the region, visited when a visit of the campaign reached them through their village's team
    (coverage in campaigns.rollups) — over the whole campaign, or in the chosen dates when the number was a cadre's."""
    drill = _drill(request)
    listing = _listing(request, "visited", HOUSEHOLD_LISTINGS)
    visits = drill.scoped(Visit).filter(
        household=OuterRef("pk"), assignment__target_village__campaign=drill.campaign, assignment__target_village__village=OuterRef("village"),
    )
    if drill.cadre:
        visits = visits.filter(cadre=drill.cadre, visited_on__range=drill.dates)
    households = (
        drill.scoped(Household)
        .filter(village__in=TargetVillage.objects.filter(campaign=drill.campaign).values("village"))
        .alias(visited=Exists(visits))
        .annotate(visit_count=selectors.correlated_count(visits, "household", "pk"),
                  last_visit=Subquery(visits.order_by("-visited_on").values("visited_on")[:1]))
        .select_related("village__parent")
        .order_by("village_id", "number", "pk")
    )
    return drill, listing, listing.narrow(households)


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_households(request):
    drill, listing, households = _drilled_households(request)
    cadre = drill.cadre.pk if drill.cadre else ""
    tabs = [(shown.title, drill.scope.query(visited=key, cadre=cadre), shown is listing) for key, shown in HOUSEHOLD_LISTINGS.items()]
    return _list_page(request, "dashboards/households.html", drill, households, title=listing.title,
                      export="dashboards:campaign-households-export", dated=drill.cadre is not None, listing=listing, tabs=tabs)


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_households_export(request):
    """The same households as an Excel download: names of residents (a stated purpose); phones masked, no ID numbers."""
    drilled = _drilled_households(request)
    return personal_data_export(request, lambda purpose: _household_workbook(*drilled, purpose))


def _household_workbook(drill: Drill, listing: Listing, households, purpose: str):
    headers = [_("Township"), _("Village"), _("Household number"), _("Head of household"), _("Phone"), _("Visits"), _("Last visit")]
    rows = ([h.village.parent.name, h.village.name, h.number, h.head_name, h.masked_phone, h.visit_count, h.last_visit]
            for h in households.iterator(chunk_size=2000))
    return workbook_response(_filename(drill, listing.title, dated=drill.cadre is not None), str(listing.title), headers, rows, purpose=purpose)


def _rating_labels() -> dict[str, str]:
    return {name: str(capfirst(Evaluation._meta.get_field(name).verbose_name)) for name in ["rating", "comment", "created_at", "signed_in_account"]}


def _drilled_ratings(request):
    """The residents' ratings behind the ratings and satisfaction numbers: every rating of the campaign's
    teams in the region, over the whole campaign (as campaigns.rollups counts them)."""
    drill = _drill(request)
    ratings = (
        drill.scoped(Evaluation)
        .filter(target_village__campaign=drill.campaign)
        .select_related("household", "target_village__village__parent", "signed_in_account")
        .order_by("-created_at", "-pk")
    )
    return drill, ratings


@require_GET
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_ratings(request):
    drill, ratings = _drilled_ratings(request)
    return _list_page(request, "dashboards/ratings.html", drill, ratings, title=capfirst(Evaluation._meta.verbose_name_plural),
                      export="dashboards:campaign-ratings-export", dated=False, labels=_rating_labels())


@require_http_methods(["GET", "POST"])
@permission_required("campaigns.view_dashboards", raise_exception=True)
def dashboard_ratings_export(request):
    """The same ratings as an Excel download: households and what they said are residents' personal data (a stated purpose)."""
    drilled = _drilled_ratings(request)
    return personal_data_export(request, lambda purpose: _rating_workbook(*drilled, purpose))


def _rating_workbook(drill: Drill, ratings, purpose: str):
    labels = _rating_labels()
    headers = [_("Township"), _("Village"), _("Household number"), _("Head of household"), labels["rating"], labels["comment"],
               labels["created_at"], labels["signed_in_account"]]
    rows = ([e.target_village.village.parent.name, e.target_village.village.name, e.household.number, e.household.head_name,
             e.get_rating_display(), e.comment, _when(e.created_at), e.signed_in_account.real_name if e.signed_in_account else ""]
            for e in ratings.iterator(chunk_size=2000))
    title = capfirst(Evaluation._meta.verbose_name_plural)
    return workbook_response(_filename(drill, title, dated=False), str(title), headers, rows, purpose=purpose)
