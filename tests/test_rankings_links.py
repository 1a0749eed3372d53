"""打分排序 (issue 19, item 5): every figure of a region row opens the list of the records it is counted from, and
that list holds as many rows as the figure counts — at a few records and at many, the page's queries not growing —
within the user's jurisdiction. Units' figures open nothing: no list narrows to a unit."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from campaigns import rollups
from campaigns.models import Evaluation, Flag, FlagRule, Household, Visit
from dashboards.models import RankingWeight
from tests.campaigns.conftest import field, today, visit  # noqa: F401 - fixtures
from tests.clock import DAY, TODAY
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B
from tests.factories import HouseholdFactory
from tests.grievances.conftest import categories, intake, petition_office, register, worked_cases  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

Indicator = RankingWeight.Indicator
State = Flag.State
CASE_RATES = {  # each case indicator's (numerator, denominator) among the case list's rates (grievances/rates.py)
    Indicator.ON_TIME_ACCEPTANCE: ("answered_on_time", "due_for_answer"),
    Indicator.ON_TIME_RESOLUTION: ("resolved_on_time", "due_for_resolution"),
    Indicator.CASE_SATISFACTION: ("satisfied", "evaluated"),
    Indicator.MEDIATION_SUCCESS: ("mediation_agreed", "mediated"),
}
CONFIRMED, FLAGGED = "Confirmed fabrications", "Visits flagged"
DATES = {"date_from": (TODAY - 120 * DAY).isoformat(), "date_to": TODAY.isoformat()}  # worked_cases' registrations

# Counted by hand from the fixtures below (the case indicators: their denominators, and the cases they are counted over).
FEW = {
    "城关镇": {Indicator.COVERAGE: 4, Indicator.RESIDENT_SATISFACTION: 2, Indicator.ON_TIME_ACCEPTANCE: 5, Indicator.ON_TIME_RESOLUTION: 3,
            Indicator.CASE_SATISFACTION: 2, Indicator.MEDIATION_SUCCESS: 0, CONFIRMED: 1, FLAGGED: 2, "visits": 4},
    "河西镇": {Indicator.COVERAGE: 2, Indicator.RESIDENT_SATISFACTION: 0, Indicator.ON_TIME_ACCEPTANCE: 2, Indicator.ON_TIME_RESOLUTION: 0,
            Indicator.CASE_SATISFACTION: 0, Indicator.MEDIATION_SUCCESS: 2, CONFIRMED: 1, FLAGGED: 1, "visits": 1},
}
MANY = {  # after `more`: 30 households, visits and cases more in each township
    "城关镇": {**FEW["城关镇"], Indicator.COVERAGE: 34, Indicator.RESIDENT_SATISFACTION: 12, Indicator.ON_TIME_ACCEPTANCE: 35,
            CONFIRMED: 4, FLAGGED: 7, "visits": 34},
    "河西镇": {**FEW["河西镇"], Indicator.COVERAGE: 32, Indicator.RESIDENT_SATISFACTION: 10, Indicator.ON_TIME_ACCEPTANCE: 32,
            CONFIRMED: 2, FLAGGED: 2, "visits": 16},
}


def flag(campaign, visit_, state, rule=FlagRule.COPIED_DIARY):
    made = Flag.objects.create(rule=rule, key=f"visit:{visit_.pk}", evidence="日记与另一条雷同", village=visit_.assignment.target_village.village,
                               campaign=campaign, cadre=visit_.cadre, state=state)
    made.visits.add(visit_)
    return made


def set_minimums(minimum: int):
    RankingWeight.objects.update(weight=10, minimum=minimum)  # every indicator shown


@pytest.fixture
def world(field, worked_cases, other_cadre, regions):  # noqa: F811 - fixtures
    """The field week (tests/campaigns/conftest.py) and the worked cases (tests/grievances/conftest.py, plus the case
    of the field week's demand). 城关镇: of its four visits one has a confirmed flag, one an open one, one a dismissed one.
    河西镇: the other cadre visited one household, and that visit's flag is confirmed."""
    visits_a = list(Visit.objects.filter(assignment__target_village__village=regions["village_a"]).order_by("pk"))
    flag(field, visits_a[0], State.CONFIRMED)
    flag(field, visits_a[1], State.OPEN)
    flag(field, visits_a[2], State.DISMISSED)
    home_b = Household.objects.filter(village=regions["village_b"]).order_by("pk").first()
    flag(field, visit(other_cadre, TODAY, home_b), State.CONFIRMED)
    rollups.refresh()
    set_minimums(1000)  # every indicator cell shows 样本不足 with the count of its records: the figure its list counts
    return field


def more(campaign, cadre, other_cadre, intake, regions):  # noqa: F811
    """30 households more in each township: 城关镇's all visited (3 visits flagged confirmed, 2 under review), 10 rated;
    河西镇's half visited (one flagged confirmed), 10 rated. 30 cases more in each, past their acceptance limit."""
    for village, person, visited, confirmed, under_review in ((regions["village_a"], cadre, 30, 3, 2), (regions["village_b"], other_cadre, 15, 1, 0)):
        target = campaign.target_villages.get(village=village)
        homes = HouseholdFactory.create_batch(30, village=village)
        visits = [visit(person, TODAY - (n % 2) * DAY, home) for n, home in enumerate(homes[:visited])]
        for n, made in enumerate(visits[:confirmed + under_review]):
            flag(campaign, made, State.CONFIRMED if n < confirmed else State.OPEN, rule=FlagRule.SAME_SPOT)
        for home in homes[:10]:
            Evaluation.objects.create(campaign=campaign, target_village=target, household=home, rating="satisfied")
        for _n in range(30):
            register(intake, village, 40)
    rollups.refresh()


def rankings_page(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("dashboards:rankings"), {**DATES, **query})
    assert response.status_code == 200
    return response


def columns(table) -> dict:
    """The column of each figure, by what it counts."""
    at = {str(header): n for n, header in enumerate(table.headers)}
    return {**{key: at[str(Indicator(key).label)] for key in Indicator}, CONFIRMED: at[gettext(CONFIRMED)], FLAGGED: at[gettext(FLAGGED)]}


def listed(client, url):
    """The list a figure opens: its response and the number of rows it lists (all pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response, response.context["page"].paginator.count


def too_few(count: int) -> str:
    return gettext("Too few records (%(count)s)") % {"count": count}


def assert_each_figure_lists_its_rows(client, table, counts) -> int:
    """Every figure of every row: linked when it counts records, to a list of exactly those; the number of links."""
    at, links = columns(table), 0
    for row in table.rows:
        name, expected = row[1].text, counts[row[1].text]
        for key in [*Indicator, CONFIRMED, FLAGGED]:
            cell, count = row[at[key]], expected[key]
            if key in Indicator:
                assert cell.text == too_few(count), (name, key)  # the figure shown is the count of the records behind it
            if not count:
                assert cell.url == "", (name, key)  # nothing to list: no link
                continue
            response, rows = listed(client, cell.url)
            links += 1
            assert rows == count, (name, key)
            if key in CASE_RATES:  # the case list lists the cases the rate is counted over, and counts it over them too
                assert getattr(response.context["rates"], CASE_RATES[key][1]) == count, (name, key)
        assert row[at[CONFIRMED]].value == expected[CONFIRMED]
        assert row[at[FLAGGED]].value == expected[FLAGGED] / expected["visits"]
    return links


def test_each_figure_of_a_township_lists_as_many_rows_as_it_counts_at_a_few_records_and_at_many(
        client, world, county_supervisor, cadre, other_cadre, intake, regions, django_assert_max_num_queries):  # noqa: F811
    table = rankings_page(client, county_supervisor).context["tables"][0]
    assert [row[1].text for row in table.rows] == ["城关镇", "河西镇"]
    assert assert_each_figure_lists_its_rows(client, table, FEW) == 12  # 7 in 城关镇, 5 in 河西镇 (no rating, case rated or due)
    client.force_login(county_supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboards:rankings"), DATES)

    more(world, cadre, other_cadre, intake, regions)
    with django_assert_max_num_queries(len(few.captured_queries)):
        table = client.get(reverse("dashboards:rankings"), DATES).context["tables"][0]
    assert assert_each_figure_lists_its_rows(client, table, MANY) == 13  # 河西镇's ratings now too


def test_a_shown_rate_opens_the_same_list_as_its_count_and_coverage_opens_the_households_it_divides_by(client, world, county_supervisor):
    short = rankings_page(client, county_supervisor).context["tables"][0]
    set_minimums(1)
    table = rankings_page(client, county_supervisor).context["tables"][0]
    at = columns(table)
    a = table.rows[0]
    assert (a[1].text, a[at[Indicator.COVERAGE]].text) == ("城关镇", "50.0%")  # two of its four households visited
    assert [a[at[key]].url for key in Indicator] == [short.rows[0][at[key]].url for key in Indicator]
    households = a[at[Indicator.COVERAGE]].url
    assert "visited=" not in households and listed(client, households)[1] == 4  # the denominator …
    assert listed(client, f"{households}&visited=1")[1] == 2  # … and, beside it on the list, the visited ones


def test_only_what_the_flag_queue_can_list_is_linked(client, world, county_supervisor, supervisor, regions, worked_cases):  # noqa: F811
    # A case's confirmed flag counts against 河西镇 but the flag queue cannot list it by campaign: that figure is not linked.
    case = worked_cases["d1"]
    Flag.objects.create(rule=FlagRule.CASE_CLOSED_AT_ONCE, key=f"case:{case.pk}", evidence="立即销号", village=regions["village_b"],
                        case=case, state=State.CONFIRMED)
    table = rankings_page(client, county_supervisor).context["tables"][0]
    at = columns(table)
    a, b = table.rows
    assert (b[at[CONFIRMED]].value, b[at[CONFIRMED]].url) == (2, "")
    assert listed(client, a[at[CONFIRMED]].url)[1] == a[at[CONFIRMED]].value == 1
    # Below a township the rows are villages, which the flag queue does not filter: the other figures still open their rows.
    village = rankings_page(client, supervisor).context["tables"][0]
    row = village.rows[0]
    assert row[1].text == "大坪村" and row[at[CONFIRMED]].value == 1 and row[at[CONFIRMED]].url == ""
    assert listed(client, row[at[FLAGGED]].url)[1] == 2 and listed(client, row[at[Indicator.COVERAGE]].url)[1] == 4


def test_a_flagged_visit_is_listed_wherever_its_flag_lies_and_whatever_its_day(client, world, supervisor, regions):
    """A diary copied in 小溪村 from a visit of 大坪村: the flag lies in 小溪村 and names both visits; the visit of 大坪村,
    dated before the campaign (as the outside-the-assignment rule finds), still counts and is listed."""
    copied = Visit.objects.filter(assignment__target_village__village=regions["village_a"]).order_by("pk")[3]
    Visit.objects.filter(pk=copied.pk).update(visited_on=world.start_date - 10 * DAY)
    made = Flag.objects.create(rule=FlagRule.COPIED_DIARY, key="visit:copy", evidence="日记与另一条雷同", village=regions["village_b"],
                               campaign=world, state=State.OPEN)
    made.visits.add(copied)
    table = rankings_page(client, supervisor).context["tables"][0]
    row, at = table.rows[0], columns(table)
    assert (row[1].text, row[at[FLAGGED]].value) == ("大坪村", 3 / 4)
    response, rows = listed(client, row[at[FLAGGED]].url)
    assert rows == 3 and copied in response.context["page"].object_list


def test_units_figures_open_no_list_and_the_export_holds_values(client, world, county_supervisor):
    page = rankings_page(client, county_supervisor)
    regions_table, units = page.context["tables"]
    assert units.rows and all(cell.url == "" for row in units.rows for cell in row)
    html = page.content.decode()
    assert escape(str(units.note)) in html and escape(str(regions_table.note)) in html  # what the links open, said under each table
    response = client.get(reverse("dashboards:rankings"), {**DATES, "export": "regions"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [list(r) for r in rows[1:]] == [[c.value for c in row] for row in regions_table.rows]


def village_of(row):
    """The village a listed row lies in: a household, case or flag's own, a rating's or visit's team's."""
    if isinstance(row, Evaluation):
        return row.target_village.village
    if isinstance(row, Visit):
        return row.assignment.target_village.village
    return row.village


def test_another_townships_supervisor_reaches_none_of_township_as_rows_through_the_links(client, world, county_supervisor, other_supervisor):
    table = rankings_page(client, county_supervisor).context["tables"][0]
    urls = [cell.url for cell in table.rows[0] if cell.url]
    assert table.rows[0][1].text == "城关镇" and len(urls) == 8  # its name and the seven figures that count records
    client.force_login(other_supervisor)
    refused, listed_elsewhere = [], []
    for url in urls:
        response = client.get(url)
        if response.status_code == 404:  # a region out of reach, as for any object
            refused.append(url.split("?")[0])
            continue
        # The case list and the flag queue leave out a filter outside the user's reach and list what the user may see.
        assert response.status_code == 200, url
        assert not [row for row in response.context["page"].paginator.object_list if village_of(row).code.startswith(TOWNSHIP_A[:9])], url
        listed_elsewhere.append(url.split("?")[0])
    assert set(refused) == {reverse(name) for name in ("dashboards:rankings", "dashboards:campaign-households", "dashboards:campaign-ratings",
                                                       "dashboards:campaign-visits")}
    assert set(listed_elsewhere) == {reverse("grievances:list"), reverse("flags:list")}
    # Their own rows (township B's village) open township B's records only.
    own = rankings_page(client, other_supervisor).context["tables"][0]
    assert [row[1].text for row in own.rows] == ["小溪村"]
    own_urls = [cell.url for cell in own.rows[0][2:] if cell.url]
    assert len(own_urls) == 4  # households, cases due for an answer, mediated disputes, flagged visits
    for url in own_urls:
        rows = listed(client, url)[0].context["page"].paginator.object_list
        assert rows and all(village_of(row).code.startswith(TOWNSHIP_B[:9]) for row in rows), url
