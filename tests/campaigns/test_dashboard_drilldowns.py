"""Every number of the campaign dashboard opens exactly the rows it counts: households (visited or not),
nights stayed, practical deeds and their value, residents' ratings — with the figure's campaign, region,
dates and jurisdiction; the lists export behind a stated purpose."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry, Region
from accounts.roles import Role
from campaigns import rollups, services
from campaigns.models import CheckIn, Evaluation, Household, Visit
from tests.clock import DAY
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from tests.factories import HouseholdFactory, UserFactory

from .conftest import assign, visit

pytestmark = pytest.mark.django_db

# Columns of the region table that drill to a list, and of the cadre table.
REGION_LISTED = {2: "posted today", 3: "checked in today", 5: "households", 6: "households visited", 8: "visits", 9: "nights", 10: "deeds",
                 13: "ratings"}
CADRE_LISTED = {3: "visits", 4: "households visited", 5: "nights", 6: "deeds"}
PHONE, ID_NUMBER = "13912345678", "11010519491231002X"
LISTS = ["dashboards:campaign-households", "dashboards:campaign-ratings", "dashboards:campaign-visits", "dashboards:campaign-posted"]
EXPORTS = ["dashboards:campaign-households-export", "dashboards:campaign-ratings-export", "dashboards:campaign-visits-export",
           "dashboards:campaign-posted-export"]


@pytest.fixture
def homes(regions):
    return list(Household.objects.filter(village=regions["village_a"]).order_by("number"))


@pytest.fixture
def week(field, cadre, homes, today):
    """The field week (tests/campaigns/conftest.py) with what makes counting awkward: a second visit today
    marked as a night stayed (still one night), money given without a deed written down (counted in the
    value, not as a deed), and a rating sent from the cadre's own signed-in session. Household 4, with a
    phone and an ID number, is still not visited."""
    visit(cadre, today, homes[2], kinds=["living"], stayed_overnight=True, deed_value=Decimal("50"))
    Evaluation.objects.create(campaign=field, target_village=field.target_villages.get(village_id=VILLAGE_A), household=homes[2],
                              rating="fairly_satisfied", comment="干部常来，办事实在", signed_in_account=cadre)
    homes[3].phone = PHONE
    homes[3].set_id_number(ID_NUMBER)
    homes[3].save()
    rollups.refresh()
    return field


def region_table(client, **query):
    return client.get(reverse("dashboards:campaigns"), query).context["tables"][0]


def opened(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def listed(client, url) -> int:
    return opened(client, url).context["page"].paginator.count


def workbook_rows(response):
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def assert_each_number_lists_its_rows(client, table) -> int:
    """Every listed number of every region row and of the total row opens a list of exactly that many; the links."""
    linked = 0
    for row in [*table.rows, table.total]:  # the total row lists the whole region of the page
        for column, name in REGION_LISTED.items():
            cell = row[column]
            if not cell.value:
                assert cell.url == "", (row[0].text, name)  # nothing to list: no link, as before
                continue
            assert listed(client, cell.url) == cell.value, (row[0].text, name)
            linked += 1
    return linked


# The townships of the county (B's households are its only number to list), and the villages of township A.
@pytest.mark.parametrize(("where", "links"), [({}, 18), ({"region": TOWNSHIP_A}, 16)])
def test_each_number_of_a_region_lists_as_many_rows_as_it_shows(client, week, county_supervisor, where, links):
    client.force_login(county_supervisor)
    table = region_table(client, **where)
    linked = assert_each_number_lists_its_rows(client, table)
    assert linked == links
    a = table.rows[0]
    assert [a[c].value for c in REGION_LISTED] == [1, 1, 4, 3, 5, 2, 1, 3]
    assert a[14].url == a[13].url and a[7].url == a[5].url  # satisfaction and coverage open what they divide by
    assert table.total[0].url == table.total[1].url == ""  # the total row's region is the page itself
    headline = client.get(reverse("dashboards:campaigns"), where).content.decode().split('data-testid="headline"')[1].split("</div>\n</div>")[0]
    shown = [table.total[column].url.replace("&", "&amp;") for column in REGION_LISTED if table.total[column].url]
    assert shown and all(f'href="{url}"' in headline for url in shown)  # the headline's figures open the same lists


def test_the_value_of_deeds_adds_up_on_its_list_and_the_deeds_list_shows_what_was_done(client, week, county_supervisor):
    client.force_login(county_supervisor)
    a = region_table(client).rows[0]
    assert (a[10].value, a[11].value) == (1, Decimal("250"))
    value = opened(client, a[11].url)
    assert value.context["total_value"] == a[11].value and len(value.context["page"]) == 2  # 200 with the deed, 50 without
    assert f"合计 {a[11].text} 元" in value.content.decode()
    deeds = opened(client, a[10].url)
    page = deeds.content.decode()
    assert "送去米油慰问" in page and "200.00" in page and "合计 200.00 元" in page
    assert "办实事 · 冬季三同四民 · 城关镇" in page  # the title says which visits are listed


def test_a_night_with_two_visits_is_listed_once(client, week, county_supervisor, cadre, homes, today):
    client.force_login(county_supervisor)
    nights = opened(client, region_table(client).rows[0][9].url)
    first_of_each_night = {
        Visit.objects.get(household=homes[0], visited_on=today - DAY).pk,
        Visit.objects.get(household=homes[1], visited_on=today).pk,  # entered before household 3's visit of the same night
    }
    assert {v.pk for v in nights.context["page"]} == first_of_each_night
    assert "同住夜数 · 冬季三同四民" in nights.content.decode()


def test_the_households_list_shows_who_is_visited_and_who_is_not_yet(client, week, county_supervisor, homes):
    client.force_login(county_supervisor)
    visited_url = region_table(client).rows[0][6].url
    visited = opened(client, visited_url)
    rows = {h.pk: (h.visit_count, h.last_visit) for h in visited.context["page"]}
    assert set(rows) == {homes[0].pk, homes[1].pk, homes[2].pk}
    assert rows[homes[0].pk][0] == 2 and rows[homes[0].pk][1] == Visit.objects.filter(household=homes[0]).latest("visited_on").visited_on
    not_yet = opened(client, visited_url.replace("visited=1", "visited=0"))
    assert [h.pk for h in not_yet.context["page"]] == [homes[3].pk]
    page = not_yet.content.decode()
    assert "139****5678" in page and PHONE not in page and ID_NUMBER not in page and ID_NUMBER[-4:] not in page


def test_each_number_of_a_cadre_lists_as_many_rows_as_it_shows(client, week, county_supervisor, cadre):
    client.force_login(county_supervisor)
    row = region_table(client, region=VILLAGE_A).rows[0]
    assert row[0].text == "李干部" and [row[c].value for c in CADRE_LISTED] == [5, 3, 2, 1]
    for column, name in CADRE_LISTED.items():
        response = opened(client, row[column].url)
        assert response.context["page"].paginator.count == row[column].value, name
        assert response.context["drill"].cadre == cadre and "· 李干部</h1>" in response.content.decode(), name


def test_the_ratings_list_says_which_were_sent_from_a_staff_session(client, week, supervisor, cadre):
    client.force_login(supervisor)
    response = opened(client, region_table(client).rows[0][13].url)
    ratings = list(response.context["page"])
    assert [e.rating for e in ratings] == ["fairly_satisfied", "dissatisfied", "satisfied"]  # newest first
    page = response.content.decode()
    assert "干部常来，办事实在" in page and "基本满意" in page and "不满意" in page
    assert page.count('data-testid="signed-in"') == 1 and "提交时登录的工作账号" in page


def test_the_cadres_posted_today_show_where_each_checked_in_and_who_has_not(client, week, county_supervisor, cadre, other_cadre, regions):
    """The presence numbers open the cadres posted today: the check-in's time and its distance from the village's
    reference point (大坪村 at 28.2, 112.9; the cadre checked in 0.01° north, 1.1 km), and who has not checked in."""
    Region.objects.filter(pk=regions["village_a"].pk).update(latitude=Decimal("28.200000"), longitude=Decimal("112.900000"))
    CheckIn.objects.filter(cadre=cadre).update(latitude=Decimal("28.210000"), longitude=Decimal("112.900000"))
    client.force_login(county_supervisor)
    row_a, row_b = region_table(client).rows
    posted = opened(client, row_a[2].url)
    (a,) = posted.context["page"]
    assert a.cadre == cadre and round(a.check_in.distance_m) == 1112
    assert "1112 米" in posted.content.decode()
    assert [a.cadre for a in opened(client, row_b[2].url).context["page"]] == [other_cadre]
    assert "未签到" in opened(client, row_b[2].url).content.decode() and row_b[3].url == ""
    exported = workbook_rows(client.post(row_a[3].url.replace("/posted/", "/posted/export.xlsx"), {"purpose": "inspection"}))
    assert exported[1][2] == cadre.real_name and exported[1][-1] == 1112


def test_another_townships_supervisor_sees_none_of_the_rows(client, week, other_supervisor, cadre, homes):
    client.force_login(other_supervisor)
    for name in [*LISTS, *EXPORTS]:
        for where in (f"?region={VILLAGE_A}", f"?region={TOWNSHIP_A}", f"?cadre={cadre.pk}"):
            assert client.get(reverse(name) + where).status_code == 404, (name, where)
            assert client.post(reverse(name) + where, {"purpose": "inspection"}).status_code in (404, 405), (name, where)
    households = opened(client, reverse("dashboards:campaign-households"))
    assert {h.village_id for h in households.context["page"]} == {VILLAGE_B}
    assert listed(client, reverse("dashboards:campaign-ratings")) == 0
    for only in ("", "overnight", "deeds", "valued"):
        assert listed(client, reverse("dashboards:campaign-visits") + f"?only={only}") == 0
    exported = workbook_rows(client.post(reverse("dashboards:campaign-households-export"), {"purpose": "inspection"}))
    assert {row[1] for row in exported[1:]} == {"小溪村"} and not {row[3] for row in exported} & {h.head_name for h in homes}


def test_the_exports_hold_the_listed_rows_behind_a_stated_purpose(client, week, county_supervisor, homes):
    client.force_login(county_supervisor)
    row = region_table(client).rows[0]
    for url, listing in [(row[5].url, "households"), (row[13].url, "ratings"), (row[10].url, "visits")]:
        export = url.replace("/?", "/export.xlsx?")
        assert "export-purpose" in client.get(export).content.decode(), listing  # residents' data: a purpose first
        rows = workbook_rows(client.post(export, {"purpose": "inspection"}))
        assert len(rows) - 1 == listed(client, url), listing
    households = workbook_rows(client.post(row[5].url.replace("/?", "/export.xlsx?"), {"purpose": "fieldwork"}))
    assert households[0] == ("乡镇", "村（社区）", "户编号", "户主", "联系电话", "走访记录", "最近走访")
    assert ("城关镇", "大坪村", homes[3].number, homes[3].head_name, "139****5678", 0, None) in households
    ratings = workbook_rows(client.post(row[13].url.replace("/?", "/export.xlsx?"), {"purpose": "inspection"}))
    assert ratings[1][4:6] == ("基本满意", "干部常来，办事实在") and ratings[1][-1] == "李干部"
    deeds = workbook_rows(client.post(row[10].url.replace("/?", "/export.xlsx?"), {"purpose": "inspection"}))
    assert [(r[10], r[11]) for r in deeds[1:]] == [("送去米油慰问", 200)]
    assert AuditEntry.objects.filter(action="export", details__purpose__startswith="督查").count() == 5


def test_empty_lists_say_so_and_offer_no_export(client, week, county_supervisor):
    client.force_login(county_supervisor)
    for name, query in [("dashboards:campaign-households", "visited=1"), ("dashboards:campaign-visits", "only=overnight"),
                        ("dashboards:campaign-ratings", "")]:
        response = opened(client, reverse(name) + f"?region={TOWNSHIP_B}&{query}")
        page = response.content.decode()
        assert 'data-testid="empty"' in page and 'data-testid="export"' not in page, name
        if "listing" in response.context:
            assert str(response.context["listing"].empty) in page


@pytest.mark.parametrize("query", ["only=nights", "visited=yes", "cadre=²", "cadre=999999"])
def test_a_list_nobody_links_to_is_not_found(client, week, county_supervisor, query):
    client.force_login(county_supervisor)
    name = "dashboards:campaign-households" if "visited" in query else "dashboards:campaign-visits"
    assert client.get(reverse(name) + f"?{query}").status_code == 404


def test_cadres_and_handlers_are_refused_and_the_lists_only_answer_get(client, week, cadre, handler, county_supervisor):
    for user in (cadre, handler):
        client.force_login(user)
        for name in [*LISTS, *EXPORTS]:
            assert client.get(reverse(name)).status_code == 403, name
    client.force_login(county_supervisor)
    for name in LISTS:
        assert client.post(reverse(name)).status_code == 405, name


def test_query_counts_do_not_grow_with_the_rows(client, week, county_supervisor, cadre, campaign_admin, regions, today,
                                                django_assert_max_num_queries):
    client.force_login(county_supervisor)
    urls = [reverse("dashboards:campaign-posted"), reverse("dashboards:campaign-posted") + "?checked=1",
            reverse("dashboards:campaign-households") + "?visited=1", reverse("dashboards:campaign-households"),
            reverse("dashboards:campaign-ratings"), reverse("dashboards:campaign-visits") + f"?only=overnight&cadre={cadre.pk}",
            reverse("dashboards:campaign-visits") + "?only=deeds"]
    few = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            opened(client, url)
        few[url] = len(queries.captured_queries)
    assert max(few.values()) <= 12  # the session, the user and permissions, the campaign, the scope, the count, the rows
    target = week.target_villages.get(village_id=VILLAGE_A)
    for n, home in enumerate(HouseholdFactory.create_batch(60, village=regions["village_a"], phone="13700000000")):
        visit(cadre, today - (n % 2) * DAY, home, stayed_overnight=True, deed=f"实事{n}", deed_value=Decimal(n))
        Evaluation.objects.create(campaign=week, target_village=target, household=home, rating="satisfied",
                                  signed_in_account=UserFactory(roles=[Role.CADRE]) if n % 3 == 0 else None)
    posted = UserFactory.create_batch(60, roles=[Role.CADRE], jurisdiction=regions["village_a"])
    assign(campaign_admin, target, *posted)
    for n, person in enumerate(posted):
        if n % 2:
            services.check_in(cadre=person, latitude=Decimal("28.2"), longitude=Decimal("112.9"))
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            response = opened(client, url)
        assert response.context["page"].paginator.count >= 30 or "overnight" in url, url
    rollups.refresh()
    assert assert_each_number_lists_its_rows(client, region_table(client)) == 18  # as many rows as each number, at this size too
