"""The case dashboard: every rate against a hand count, drill-down to the case list, export, scoping, query count."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import case_figures as dashboard
from dashboards.drilldown import Scope
from grievances import services
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B

from .conftest import DAY, register

pytestmark = pytest.mark.django_db



def dashboard_url(**query):
    today = timezone.localdate()
    query = {"date_from": (today - 150 * DAY).isoformat(), "date_to": today.isoformat(), **query}
    return reverse("dashboards:cases") + "?" + "&".join(f"{k}={v}" for k, v in query.items())





def county_scope(regions) -> Scope:
    today = timezone.localdate()
    return Scope(region=regions["county"], trail=[regions["county"]], date_from=today - 150 * DAY, date_to=today)


def test_every_rate_against_a_hand_count(worked_cases, county_supervisor, regions):
    rows = dashboard.region_figures(county_supervisor, county_scope(regions))
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    assert (a.total, a.open, a.overdue, a.supervised) == (6, 3, 2, 1)
    assert (a.answered_on_time, a.due_for_answer, round(a.on_time_acceptance, 3)) == (3, 5, 0.6)
    assert (a.resolved, a.accepted, round(a.resolution, 3)) == (2, 3, 0.667)
    assert (a.resolved_on_time, a.due_for_resolution, round(a.on_time_resolution, 3)) == (2, 3, 0.667)
    assert (a.satisfied, a.evaluated, a.satisfaction) == (1, 2, 0.5)
    assert (a.mediated, a.mediation_success) == (0, None)  # nothing mediated: —, not a division by zero
    assert (a.village_resolved, a.village_share) == (1, 0.5)

    assert (b.total, b.open, b.overdue, b.on_time_acceptance, b.resolution) == (2, 2, 0, 1.0, 0.0)
    assert (b.on_time_resolution, b.satisfaction, b.village_share) == (None, None, None)
    assert (b.mediation_agreed, b.mediated, b.mediation_success) == (1, 2, 0.5)

    total = dashboard.figures(dashboard.scoped_cases(county_supervisor, county_scope(regions)))
    assert (total.total, round(total.on_time_acceptance, 3), total.resolution, total.mediation_success) == (8, 0.714, 0.4, 0.5)


def test_the_page_shows_the_rates_and_dashes_for_nothing_counted(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    html = client.get(dashboard_url()).content.decode()
    row_a = re.search(r"<tr><td><a [^>]*>城关镇</a>.*?</tr>", html).group(0)
    cells = re.findall(r"<td[^>]*>(?:<a [^>]*>)?([^<]*)", row_a)
    assert cells == ["城关镇", "6", "3", "2", "1", "60.0%", "66.7%", "66.7%", "50.0%", "—", "—", "50.0%"]  # no petitioner rated yet
    assert "71.4%" in html  # the county's 按期受理率 in the headline and total row


def test_an_empty_region_shows_dashes_not_an_error(client, county_supervisor, regions):
    client.force_login(county_supervisor)
    response = client.get(dashboard_url())
    assert response.status_code == 200
    assert response.context["headline"][4][1] == "—"
    assert "—" in response.content.decode()


def test_a_townships_overdue_count_lists_exactly_those_cases(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    html = client.get(dashboard_url()).content.decode()
    row_a = re.search(r"<tr><td><a [^>]*>城关镇</a>.*?</tr>", html).group(0)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', row_a)
    overdue_url = links[3][0].replace("&amp;", "&")
    assert links[3][1] == "2" and "tab=overdue" in overdue_url
    listed = client.get(overdue_url)
    numbers = {case.number for case in listed.context["page"]}
    assert numbers == {worked_cases["c4"].number, worked_cases["c6"].number}
    assert "城关镇" in listed.content.decode()  # the kept filter is shown and can be cleared


def test_drilling_down_keeps_the_dates_and_the_breadcrumbs_lead_back(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    response = client.get(dashboard_url(region=TOWNSHIP_A))
    scope = response.context["scope"]
    assert [r.code for r in scope.trail] == ["431299000000", TOWNSHIP_A]
    assert [r.name for r in scope.children] == ["大坪村"]
    first_row = response.context["tables"]["regions"].rows[0]
    assert first_row[0].url.endswith(f"region=431299100201&date_from={scope.date_from}&date_to={scope.date_to}")


def test_a_township_supervisor_sees_only_the_township(client, worked_cases, supervisor, other_supervisor):
    client.force_login(supervisor)
    response = client.get(dashboard_url())
    assert response.context["scope"].region.code == TOWNSHIP_A
    assert response.context["tables"]["regions"].total[1].value == 6  # township A's six cases, none of B's
    assert client.get(dashboard_url(region=TOWNSHIP_B)).status_code == 404
    assert client.get(dashboard_url(region="431299000000")).status_code == 404  # above the jurisdiction

    client.force_login(other_supervisor)
    response = client.get(dashboard_url())
    assert response.context["tables"]["regions"].total[1].value == 2
    assert worked_cases["c6"].number not in response.content.decode()


def test_the_export_holds_the_rows_on_the_screen(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    screen = client.get(dashboard_url()).context["tables"]["regions"]
    response = client.get(dashboard_url(export="regions"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == screen.headers
    assert [row[0] for row in rows[1:]] == ["城关镇", "河西镇", "合计"]
    assert rows[1][1:5] == (6, 3, 2, 1) and abs(rows[1][5] - 0.6) < 1e-9 and rows[1][9] is None
    assert sheet.cell(row=2, column=6).number_format == "0.0%"
    assert client.get(dashboard_url(export="nonsense")).status_code == 404


def test_people_without_the_dashboards_are_refused(client, worked_cases, handler, cadre):
    for user in (handler, cadre):
        client.force_login(user)
        assert client.get(dashboard_url()).status_code == 403


def test_bad_dates_fall_back_to_the_default_with_a_message(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    response = client.get(reverse("dashboards:cases") + "?date_from=2026-13-45&date_to=2026-01-01")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["scope"].date_from == timezone.localdate().replace(month=1, day=1)


def test_query_count_does_not_grow_with_cases(client, intake, county_supervisor, regions, django_assert_max_num_queries):
    client.force_login(county_supervisor)
    register(intake, regions["village_a"], 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(dashboard_url())
    for n in range(15):
        case = register(intake, regions["village_b" if n % 2 else "village_a"], n + 1)
        if n % 3 == 0:
            services.case_accept(actor=intake, case_id=case.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(dashboard_url())
    assert response.context["tables"]["regions"].total[1].value == 16


def test_a_villages_case_dashboard_shows_its_cases_as_the_total(client, worked_cases, county_supervisor, regions):
    client.force_login(county_supervisor)
    response = client.get(dashboard_url(region=regions["village_a"].code))
    assert response.status_code == 200
    table = response.context["tables"]["regions"]
    assert table.rows == [] and table.total[1].value == 6 and table.total[3].value == 2
    overdue = client.get(table.total[3].url.replace("&amp;", "&"))
    assert {c.number for c in overdue.context["page"]} == {worked_cases["c4"].number, worked_cases["c6"].number}
    assert client.get(reverse("dashboards:rankings") + f"?region={regions['village_a'].code}").status_code == 200


@pytest.mark.parametrize("query", [
    "date_from=1900-01-01&date_to=2100-12-31", "date_to=9999-12-31", "date_from=0001-01-01", "date_from=2026-02-30",
    "region=43129910020%00", "region=４３１２９９１００２０１", "region=4312991002010", "export=%00", "date_from=%00",
])
def test_hostile_query_strings_get_a_page_or_a_404_never_a_500(client, worked_cases, county_supervisor, query):
    client.force_login(county_supervisor)
    for url in (reverse("dashboards:cases"), reverse("dashboards:campaigns"), reverse("dashboards:rankings")):
        response = client.get(f"{url}?{query}")
        assert response.status_code in (200, 400, 404), (url, query)  # 400: a NUL character
        if response.status_code == 200 and "scope" in response.context:
            scope = response.context["scope"]
            assert scope.date_to - scope.date_from <= datetime.timedelta(days=3 * 366)
    assert client.get(reverse("grievances:list") + f"?{query}").status_code in (200, 400, 404)
