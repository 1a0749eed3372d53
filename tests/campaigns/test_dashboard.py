"""The campaign dashboard: figures against a hand count, the rollup refresh, drill-down, export, scoping."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from campaigns import rollups, services
from campaigns.models import VillageDay, Visit
from dashboards import campaign_figures as dashboard
from dashboards.drilldown import Scope
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from tests.factories import HouseholdFactory, UserFactory, region

from .conftest import assign, visit

pytestmark = pytest.mark.django_db



def county_scope(regions, campaign, today) -> Scope:
    return Scope(region=regions["county"], trail=[regions["county"]], date_from=campaign.start_date, date_to=today)


def test_figures_against_a_hand_count(field, county_supervisor, regions, today):
    rows = dashboard.region_figures(county_supervisor, field, county_scope(regions, field, today))
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    assert (a.villages, a.cadres_today, a.checked_in, a.absent) == (1, 1, 1, 0)
    assert (a.households, a.visited_households, a.coverage) == (4, 2, 0.5)
    assert (a.visits, a.household_visits, a.living, a.production, a.policy, a.development) == (4, 3, 2, 1, 1, 1)
    assert (a.nights, a.meals, a.deeds, a.deed_value, a.demands) == (2, 1, 1, Decimal("200"), 1)
    assert (a.ratings, a.satisfaction) == (2, 0.5)
    assert (b.villages, b.cadres_today, b.checked_in, b.absent, b.check_in_rate) == (1, 1, 0, 1, 0.0)
    assert (b.households, b.coverage, b.visits, b.satisfaction) == (2, 0.0, 0, None)  # nobody rated: —
    total = dashboard.Figures.sum_of(rows.values())
    assert (total.visited_households, total.households, round(total.coverage, 3), total.check_in_rate) == (2, 6, 0.333, 0.5)


def test_the_date_range_narrows_activity_not_coverage(field, county_supervisor, regions, today):
    scope = Scope(region=regions["county"], trail=[regions["county"]], date_from=today, date_to=today)
    a = dashboard.region_figures(county_supervisor, field, scope)[TOWNSHIP_A]
    assert (a.visits, a.nights) == (3, 1)  # yesterday's visit and night are outside the range
    assert a.visited_households == 2  # coverage counts the whole campaign


def test_the_refresh_picks_up_new_and_edited_visits(field, cadre, regions, today):
    day = VillageDay.objects.get(village_id=VILLAGE_A, day=today)
    assert day.visits == 3
    Visit.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))  # written long before the last refresh
    assert rollups.refresh().days == 0  # nothing new: no day is summed again
    extra = visit(cadre, today, None, kinds=["living"], diary="再次召开村民代表会")
    assert VillageDay.objects.get(pk=day.pk).visits == 3  # not summed until the refresh
    result = rollups.refresh()
    assert result.days == 1  # only today was summed again
    day = VillageDay.objects.get(village_id=VILLAGE_A, day=today)
    assert (day.visits, day.living) == (4, 2)
    services.visit_edit(actor=cadre, visit_id=extra.pk, data={"diary": "改为产业座谈会", "kinds": ["production"]})
    rollups.refresh()
    day = VillageDay.objects.get(village_id=VILLAGE_A, day=today)
    assert (day.visits, day.living, day.production) == (4, 1, 1)
    assert rollups.freshness() is not None


def test_a_full_rebuild_matches_the_incremental_refresh(field):
    before = list(VillageDay.objects.order_by("village_id", "day").values_list("village_id", "day", "visits", "nights", "demands"))
    rollups.refresh(full=True)
    after = list(VillageDay.objects.order_by("village_id", "day").values_list("village_id", "day", "visits", "nights", "demands"))
    assert before == after and len(after) == 2


def test_drilling_down_from_county_to_cadre_to_visits(client, field, county_supervisor, cadre):
    client.force_login(county_supervisor)
    page = client.get(reverse("dashboards:campaigns"))
    assert page.status_code == 200 and page.context["campaign"] == field
    township_row = page.context["tables"][0].rows[0]
    assert township_row[0].text == "城关镇"
    village_page = client.get(township_row[0].url)
    village_row = village_page.context["tables"][0].rows[0]
    assert village_row[0].text == "大坪村" and village_row[7].text == "50.0%"
    assert [r.name for r in village_page.context["scope"].trail] == ["清溪县", "城关镇"]
    cadre_page = client.get(village_row[0].url)
    cadre_row = cadre_page.context["tables"][0].rows[0]
    assert [c.text for c in cadre_row] == ["李干部", "城关镇人民政府", "是", "4", "2", "2", "1", "1"]
    visits = client.get(cadre_row[3].url)
    assert {v.pk for v in visits.context["page"]} == set(Visit.objects.filter(cadre=cadre).values_list("pk", flat=True))
    assert f"campaign={field.pk}" in cadre_row[3].url  # the campaign and dates are kept all the way down


def test_the_absent_count_lists_exactly_those_cadres(client, field, county_supervisor, other_cadre):
    client.force_login(county_supervisor)
    page = client.get(reverse("dashboards:campaigns"))
    row_b = page.context["tables"][0].rows[1]
    assert row_b[4].text == "1"
    absent = client.get(row_b[4].url)
    assert [a.cadre for a in absent.context["page"]] == [other_cadre]
    assert "王干部" in page.content.decode()  # the absent list on the dashboard itself


def test_a_township_supervisor_sees_only_the_township(client, field, supervisor, other_supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("dashboards:campaigns"))
    assert page.context["scope"].region.code == TOWNSHIP_A
    assert [row[0].text for row in page.context["tables"][0].rows] == ["大坪村"]
    assert page.context["totals"].visits == 4
    assert client.get(reverse("dashboards:campaigns") + f"?region={TOWNSHIP_B}").status_code == 404
    assert client.get(reverse("dashboards:campaign-visits") + f"?region={VILLAGE_A}").status_code == 200
    client.force_login(other_supervisor)
    assert client.get(reverse("dashboards:campaign-visits") + f"?region={VILLAGE_A}").status_code == 404
    page = client.get(reverse("dashboards:campaigns"))
    assert page.context["totals"].visits == 0 and "李干部" not in page.content.decode()


def test_the_export_holds_the_rows_on_the_screen(client, field, county_supervisor):
    client.force_login(county_supervisor)
    screen = client.get(reverse("dashboards:campaigns")).context["tables"][0]
    response = client.get(reverse("dashboards:campaigns") + f"?campaign={field.pk}&export=regions")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == screen.headers
    assert [list(r) for r in rows[1:]] == [[c.value for c in row] for row in [*screen.rows, screen.total]]


def test_cadres_and_handlers_are_refused(client, field, cadre, handler):
    for user in (cadre, handler):
        client.force_login(user)
        assert client.get(reverse("dashboards:campaigns")).status_code == 403


def test_no_campaign_yet_is_explained(client, county_supervisor):
    client.force_login(county_supervisor)
    response = client.get(reverse("dashboards:campaigns"))
    assert response.status_code == 200 and "尚无已开始的活动" in response.content.decode()


def test_query_count_does_not_grow_with_villages_or_visits(client, field, county_supervisor, campaign_admin, unit_a, today,
                                                           django_assert_max_num_queries):
    client.force_login(county_supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboards:campaigns"))
    for n in range(6):
        village = region(f"4312991{n + 2:02d}201", f"新村{n}")  # in new townships 102…107
        target = field.target_villages.create(village=village)
        newcomer = UserFactory(real_name=f"新干部{n}", unit=unit_a, roles=[Role.CADRE])
        assign(campaign_admin, target, newcomer)
        home = HouseholdFactory(village=village)
        visit(newcomer, today, home, kinds=["living"], stayed_overnight=True)
    rollups.refresh()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("dashboards:campaigns"))
    assert response.context["totals"].visits == 10


@pytest.mark.parametrize("query", ["cadre=²", "cadre=99999999999999999999", "cadre=-1", "campaign=²", "campaign=1e9"])
def test_odd_ids_in_the_drill_down_lists_are_not_errors(client, field, county_supervisor, query):
    client.force_login(county_supervisor)
    assert client.get(reverse("dashboards:campaign-visits") + f"?{query}").status_code in (200, 404)
    assert client.get(reverse("work:absent") + f"?{query}").status_code == 200


def test_control_characters_in_names_do_not_break_the_export(client, field, county_supervisor, cadre, regions):
    cadre.real_name = "李\x0b干部"
    cadre.save()
    client.force_login(county_supervisor)
    response = client.get(reverse("dashboards:campaigns") + f"?campaign={field.pk}&region={VILLAGE_A}&export=cadres")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "李干部"
