"""打分排序 that one case cannot flip (issue 19): minimums of records per indicator, no rescaling, points off for
confirmed fabrications, and the share of each row's visits under a flag."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from accounts.roles import Role
from campaigns import rollups
from campaigns.models import Campaign, Flag, FlagRule
from dashboards.models import RankingDeduction, RankingWeight
from grievances import services as case_services
from tests.campaigns.conftest import assign, visit
from tests.clock import DAY, NOW, TODAY
from tests.conftest import TOWNSHIP_A
from tests.factories import CampaignFactory, HouseholdFactory, UnitFactory, UserFactory, region
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

Indicator = RankingWeight.Indicator
State = Flag.State


def too_few(count: int) -> str:
    return gettext("Too few records (%(count)s)") % {"count": count}


def column(table, header: str) -> list[str]:
    at = table.headers.index(gettext(header))
    return [row[at].text for row in table.rows]


def ranking_of(table) -> list[tuple]:
    """(rank, name, score) per row, as the table shows them."""
    return list(zip(column(table, "Rank"), column(table, "Name"), column(table, "Score"), strict=True))


def at_least(minimum: int, records: str) -> str:
    return gettext("at least %(minimum)s %(records)s") % {"minimum": minimum, "records": gettext(records)}


def minimums_shown(client, user) -> str:
    html = rankings_page(client, user).content.decode()
    start = html.index('data-testid="minimums"')
    return html[start:html.index("</ul>", start)]


def set_weights(**weights):
    RankingWeight.objects.update(weight=0)
    for indicator, weight in weights.items():
        RankingWeight.objects.filter(indicator=indicator).update(weight=weight)


def rankings_page(client, user, **query):
    client.force_login(user)
    return client.get(reverse("dashboards:rankings"), query)


def campaign_of_the_week(regions):
    return CampaignFactory(organiser_region=regions["county"], status=Campaign.Status.ACTIVE, start_date=TODAY - 3 * DAY,
                           end_date=TODAY + 3 * DAY)


def team(campaign, campaign_admin, village, cadre, households: int, visited: int) -> list:
    """The cadre's unit helps the village; it has `households`, the cadre visited the first `visited` once each."""
    target = campaign.target_villages.create(village=village, helping_unit=cadre.unit)
    assign(campaign_admin, target, cadre)
    homes = [HouseholdFactory(village=village) for _ in range(households)]
    return [visit(cadre, TODAY, home) for home in homes[:visited]]


def worked_case(registrar, village, unit, satisfaction: str, when=NOW - DAY):
    """A case registered, answered, resolved, rated and closed (销号) at one moment of one day."""
    leader = UserFactory(unit=unit, roles=[Role.LEADER])
    handler = UserFactory(unit=unit, roles=[Role.HANDLER])
    case = case_services.case_register(actor=registrar, type="livelihood", source="phone", summary="路灯坏了", petitioner_name="王建国",
                                       petitioner_phone="13812345678", village_id=village.code, now=when)
    case_services.case_accept(actor=registrar, case_id=case.pk, now=when)
    case_services.case_assign(actor=registrar, case_id=case.pk, unit=unit, leader=leader, handlers=[handler], now=when)
    case_services.case_start(actor=handler, case_id=case.pk, now=when)
    case_services.case_resolve(actor=handler, case_id=case.pk, outcome="solved", reply="已修好", now=when)
    case_services.case_evaluate(actor=registrar, case_id=case.pk, satisfaction=satisfaction, now=when)
    return case_services.case_close(actor=leader, case_id=case.pk, now=when)


# --- The flip ---------------------------------------------------------------------------------------------


@pytest.fixture
def one_case_township(regions, campaign_admin, cadre, other_cadre, intake, unit_a, unit_b):  # noqa: F811
    """城关镇: 10 households, 7 visited (70%), and one case registered and closed the same day (on time, satisfied).
    河西镇: 10 households, 8 visited (80%), five cases resolved on time, three satisfied and two not.
    Weights: coverage 40, on-time resolution 30, petitioners satisfied 30. With every row rescaled to what it
    has, 城关镇 would score (40×70% + 30×100% + 30×100%) ÷ 100 = 88.0% against 河西镇's 80.0%."""
    campaign = campaign_of_the_week(regions)
    team(campaign, campaign_admin, regions["village_a"], cadre, households=10, visited=7)
    team(campaign, campaign_admin, regions["village_b"], other_cadre, households=10, visited=8)
    rollups.refresh()
    worked_case(intake, regions["village_a"], unit_a, "satisfied")
    for satisfaction in ["satisfied", "satisfied", "fairly_satisfied", "dissatisfied", "dissatisfied"]:
        worked_case(intake, regions["village_b"], unit_b, satisfaction)
    set_weights(**{Indicator.COVERAGE: 40, Indicator.ON_TIME_RESOLUTION: 30, Indicator.CASE_SATISFACTION: 30})
    return campaign


def test_one_case_closed_the_same_day_does_not_lift_a_township_above_real_samples(client, one_case_township, county_supervisor):
    page = rankings_page(client, county_supervisor)
    regions_table, units = page.context["tables"]
    assert ranking_of(regions_table) == [("1", "河西镇", "80.0%"), ("—", "城关镇", gettext("Too few records"))]
    assert column(regions_table, "Household coverage") == ["80.0%", "70.0%"]  # enough households on both sides
    assert column(regions_table, "Cases resolved on time") == ["100.0%", too_few(1)]
    assert column(regions_table, "Petitioners satisfied") == ["60.0%", too_few(1)]
    assert ranking_of(units) == [("1", "河西镇人民政府", "80.0%"), ("—", "城关镇人民政府", gettext("Too few records"))]
    html = page.content.decode()
    assert too_few(1) in html and gettext("Too few records") in html


def test_the_minimums_shown_beside_the_table_are_the_admins_and_lowering_them_brings_the_flip_back(client, one_case_township,
                                                                                                   county_supervisor, campaign_admin):
    assert at_least(10, "households registered") in minimums_shown(client, county_supervisor)
    assert at_least(5, "cases due for resolution") in minimums_shown(client, county_supervisor)

    client.force_login(campaign_admin)  # the admins set the minimums in the admin
    for indicator in (Indicator.ON_TIME_RESOLUTION, Indicator.CASE_SATISFACTION):
        response = client.post(reverse("admin:dashboards_rankingweight_change", args=[indicator.value]),
                               {"indicator": indicator.value, "weight": "30", "minimum": "1"})
        assert response.status_code == 302
    assert at_least(1, "cases due for resolution") in minimums_shown(client, county_supervisor)
    # With one case enough, the one case decides again: what the minimums are there to prevent.
    assert ranking_of(rankings_page(client, county_supervisor).context["tables"][0]) == [("1", "城关镇", "88.0%"), ("2", "河西镇", "80.0%")]


def test_a_row_short_of_households_is_marked_and_unranked_though_its_coverage_is_the_best(client, regions, campaign_admin, cadre,
                                                                                          other_cadre, county_supervisor):
    campaign = campaign_of_the_week(regions)
    team(campaign, campaign_admin, regions["village_a"], cadre, households=3, visited=3)  # 100%, of three households
    team(campaign, campaign_admin, regions["village_b"], other_cadre, households=12, visited=6)
    rollups.refresh()
    set_weights(**{Indicator.COVERAGE: 100})
    table = rankings_page(client, county_supervisor).context["tables"][0]
    assert ranking_of(table) == [("1", "河西镇", "50.0%"), ("—", "城关镇", gettext("Too few records"))]
    assert column(table, "Household coverage") == ["50.0%", too_few(3)]


def test_with_no_campaign_the_case_indicators_alone_rank_every_row_alike(client, regions, intake, unit_a, unit_b,  # noqa: F811
                                                                          county_supervisor):
    worked_case(intake, regions["village_a"], unit_a, "satisfied")
    for satisfaction in ["satisfied", "satisfied", "fairly_satisfied", "dissatisfied", "dissatisfied"]:
        worked_case(intake, regions["village_b"], unit_b, satisfaction)
    # The weights as first set, coverage 30 and residents' rating 20 among them; the dates hold yesterday's cases on any day.
    page = rankings_page(client, county_supervisor, date_from=(TODAY - 7 * DAY).isoformat(), date_to=TODAY.isoformat())
    assert page.context["campaign"] is None
    table = page.context["tables"][0]
    assert gettext("Household coverage") not in table.headers
    # (10×100% + 20×100% + 20×60%) ÷ 50 for 河西镇; 城关镇's one case is too few.
    assert ranking_of(table) == [("1", "河西镇", "84.0%"), ("—", "城关镇", gettext("Too few records"))]
    assert page.context["formula"].startswith("(10×")


# --- Confirmed fabrications and the flagged share ------------------------------------------------------------------


@pytest.fixture
def flagged_world(regions, campaign_admin, cadre, other_cadre):
    """Coverage alone counts, from one household: 城关镇 visited its four households (100%), 河西镇 two of four (50%).
    Each township's government helps its village; no flag yet."""
    campaign = campaign_of_the_week(regions)
    visits_a = team(campaign, campaign_admin, regions["village_a"], cadre, households=4, visited=4)
    visits_b = team(campaign, campaign_admin, regions["village_b"], other_cadre, households=4, visited=2)
    rollups.refresh()
    set_weights(**{Indicator.COVERAGE: 100})
    RankingWeight.objects.update(minimum=1)
    return campaign, visits_a, visits_b


def flag(campaign, visit_, state, rule=FlagRule.COPIED_DIARY):
    """A flag of the rule on one visit, in its village, about its cadre."""
    made = Flag.objects.create(rule=rule, key=f"visit:{visit_.pk}", evidence="日记与另一条雷同", village=visit_.assignment.target_village.village,
                               campaign=campaign, cadre=visit_.cadre, state=state)
    made.visits.add(visit_)
    return made


def test_a_confirmed_flag_takes_the_set_points_off_and_an_open_or_dismissed_one_does_not(client, flagged_world, county_supervisor):
    campaign, visits_a, _visits_b = flagged_world
    flag(campaign, visits_a[0], State.OPEN)
    flag(campaign, visits_a[1], State.DISMISSED)
    page = rankings_page(client, county_supervisor)
    regions_table, units = page.context["tables"]
    assert ranking_of(regions_table) == [("1", "城关镇", "100.0%"), ("2", "河西镇", "50.0%")]
    assert column(regions_table, "Points off") == ["0", "0"]

    flag(campaign, visits_a[2], State.CONFIRMED)
    flag(campaign, visits_a[3], State.CONFIRMED, rule=FlagRule.SAME_SPOT)
    page = rankings_page(client, county_supervisor)
    regions_table, units = page.context["tables"]
    assert ranking_of(regions_table) == [("1", "城关镇", "96.0%"), ("2", "河西镇", "50.0%")]  # two confirmed × 2 points
    assert (column(regions_table, "Confirmed fabrications"), column(regions_table, "Points off")) == (["2", "0"], ["4", "0"])
    # The unit's row: the flags of its cadres.
    assert ranking_of(units) == [("1", "城关镇人民政府", "96.0%"), ("2", "河西镇人民政府", "50.0%")]
    assert "− 2×" in page.content.decode()  # the formula says the deduction


def test_the_points_are_admin_set_and_the_score_never_goes_below_zero(client, flagged_world, county_supervisor, campaign_admin):
    campaign, visits_a, visits_b = flagged_world
    flag(campaign, visits_a[0], State.CONFIRMED)
    flag(campaign, visits_b[0], State.CONFIRMED)
    client.force_login(campaign_admin)
    deduction = RankingDeduction.objects.get()
    response = client.post(reverse("admin:dashboards_rankingdeduction_change", args=[deduction.pk]), {"points_per_flag": "60"})
    assert response.status_code == 302
    page = rankings_page(client, county_supervisor)
    # 100% − 60 points = 40%; 50% − 60 points stops at 0.
    assert ranking_of(page.context["tables"][0]) == [("1", "城关镇", "40.0%"), ("2", "河西镇", "0.0%")]
    assert "− 60×" in page.content.decode()


def test_only_flags_about_what_the_score_counts_take_points_off(client, flagged_world, county_supervisor, intake, regions):  # noqa: F811
    campaign, visits_a, _visits_b = flagged_world
    other = campaign_of_the_week(regions)
    Flag.objects.create(rule=FlagRule.LAST_DAY_RUSH, key="another-campaign", evidence="另一次活动", village=regions["village_a"],
                        campaign=other, state=State.CONFIRMED)
    case = case_services.case_register(actor=intake, type="livelihood", source="phone", summary="路灯坏了", petitioner_name="王建国",
                                       village_id=regions["village_b"].code, now=NOW - DAY)
    Flag.objects.create(rule=FlagRule.CASE_CLOSED_AT_ONCE, key=f"case:{case.pk}", evidence="立即销号", village=regions["village_b"],
                        case=case, state=State.CONFIRMED)
    table = rankings_page(client, county_supervisor).context["tables"][0]
    # Another campaign's flag counts nowhere; the flag of a case the case indicators count counts against its township.
    assert ranking_of(table) == [("1", "城关镇", "100.0%"), ("2", "河西镇", "48.0%")]
    assert column(table, "Confirmed fabrications") == ["0", "1"]


def test_the_flagged_share_counts_visits_with_an_open_or_confirmed_flag(client, flagged_world, county_supervisor):
    campaign, visits_a, visits_b = flagged_world
    flag(campaign, visits_a[0], State.OPEN)
    flag(campaign, visits_a[1], State.CONFIRMED)
    flag(campaign, visits_a[1], State.OPEN, rule=FlagRule.SAME_SPOT)  # a second flag on the same visit: still one visit
    flag(campaign, visits_a[2], State.DISMISSED)
    flag(campaign, visits_b[0], State.DISMISSED)
    regions_table, units = rankings_page(client, county_supervisor).context["tables"]
    assert column(regions_table, "Name") == ["城关镇", "河西镇"]
    assert column(regions_table, "Visits flagged") == ["50.0%", "0.0%"]  # 2 of 4; the dismissed ones do not count
    assert column(units, "Visits flagged") == ["50.0%", "0.0%"]


def test_the_export_carries_the_new_columns(client, flagged_world, county_supervisor):
    campaign, visits_a, _visits_b = flagged_world
    flag(campaign, visits_a[0], State.CONFIRMED)
    table = rankings_page(client, county_supervisor).context["tables"][0]
    response = client.get(reverse("dashboards:rankings"), {"export": "regions"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == table.headers
    assert [list(r) for r in rows[1:]] == [[c.value for c in row] for row in table.rows]
    assert rows[1][table.headers.index(gettext("Points off"))] == 2 and rows[1][table.headers.index(gettext("Visits flagged"))] == 0.25


def test_a_row_below_a_minimum_exports_as_too_few_records(client, one_case_township, county_supervisor):
    rankings_page(client, county_supervisor)
    response = client.get(reverse("dashboards:rankings"), {"export": "regions"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    headers = list(rows[0])
    township_a = next(r for r in rows[1:] if r[1] == "城关镇")
    assert township_a[headers.index(gettext("Score"))] == gettext("Too few records")
    assert township_a[headers.index(gettext("Cases resolved on time"))] == too_few(1)


# --- Scoping and query counts ---------------------------------------------------------------------------------------


def test_another_townships_supervisor_sees_nothing_of_township_a(client, flagged_world, other_supervisor, county_supervisor):
    campaign, visits_a, _visits_b = flagged_world
    flag(campaign, visits_a[0], State.CONFIRMED)
    flag(campaign, visits_a[1], State.OPEN)
    page = rankings_page(client, other_supervisor)
    html = page.content.decode()
    regions_table, units = page.context["tables"]
    assert column(regions_table, "Name") == ["小溪村"]  # township B's villages only
    assert column(regions_table, "Confirmed fabrications") == ["0"] and column(regions_table, "Visits flagged") == ["0.0%"]
    assert column(units, "Name") == ["河西镇人民政府"]
    assert "城关镇" not in html and "大坪村" not in html
    assert rankings_page(client, other_supervisor, region=TOWNSHIP_A).status_code == 404
    assert rankings_page(client, other_supervisor, region=TOWNSHIP_A, export="regions").status_code == 404
    # The county's supervisor does see township A's flag (the same data, another jurisdiction).
    assert column(rankings_page(client, county_supervisor).context["tables"][0], "Confirmed fabrications") == ["1", "0"]


def test_the_query_count_does_not_grow_with_rows_flags_or_cases(client, flagged_world, county_supervisor, campaign_admin,
                                                                 intake, regions, django_assert_max_num_queries):  # noqa: F811
    campaign, visits_a, _visits_b = flagged_world
    bureau = UnitFactory(name="县住建局", region=regions["county"])
    flag(campaign, visits_a[0], State.CONFIRMED)
    client.force_login(county_supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboards:rankings"))
    for n in range(4):
        village = region(f"4312991{n + 2:02d}201", f"新村{n}")  # in new townships 102…105
        cadre = UserFactory(unit=bureau, roles=[Role.CADRE])
        visits = team(campaign, campaign_admin, village, cadre, households=3, visited=2)
        flag(campaign, visits[0], State.CONFIRMED)
        flag(campaign, visits[1], State.OPEN)
        worked_case(intake, village, bureau, "satisfied")
    rollups.refresh()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("dashboards:rankings"))
    assert len(response.context["tables"][0].rows) == 6
    assert column(response.context["tables"][0], "Confirmed fabrications").count("1") == 5
