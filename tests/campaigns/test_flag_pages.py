"""#19: the flag queue, a flag's page with its records, the review after a confirmation, and the cadre's 说明."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import Region
from campaigns import services
from campaigns.models import Flag, FlagRule
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory

from .conftest import assign, visit


@pytest.fixture
def flagged(regions, campaign_admin, cadre):
    """Yesterday the cadre logged three visits in 大坪村 without checking in; one was located 5.6 km away."""
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], start_date=TODAY - 5 * DAY, end_date=TODAY + 2 * DAY)
    Region.objects.filter(pk=regions["village_a"].pk).update(latitude=Decimal("28.2"), longitude=Decimal("112.9"))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    households = [HouseholdFactory(village=regions["village_a"], head_name=f"户主{n}") for n in range(3)]
    visits = [visit(cadre, TODAY - DAY, household=h, latitude=Decimal("28.25") if n == 0 else None, longitude=Decimal("112.9") if n == 0 else None)
              for n, h in enumerate(households)]
    services.flags_check_records(visits=[v.pk for v in visits])
    return Flag.objects.get(rule=FlagRule.VISIT_WITHOUT_CHECK_IN)


def test_a_supervisor_sees_the_queue_of_the_jurisdiction_filters_it_and_opens_the_records(client, flagged, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("flags:list")).content.decode().split('data-testid="flags"')[1]
    assert "走访当天未签到" in page and "定位远离村庄" in page and "记录了 3 次走访，当天没有签到" in page
    only = client.get(reverse("flags:list"), {"rule": FlagRule.FAR_FROM_VILLAGE, "state": "open"}).content.decode().split('data-testid="flags"')[1]
    assert "定位远离村庄" in only and "走访当天未签到" not in only
    with django_assert_max_num_queries(14):
        detail = client.get(reverse("flags:detail", args=[flagged.pk])).content.decode()
    assert detail.count("work/visits/") == 3 and "5560 米" in detail and "未定位" in detail and 'data-testid="review-form"' in detail


def test_the_same_number_of_queries_for_a_long_queue(client, flagged, supervisor, cadre, regions):
    client.force_login(supervisor)
    for n in range(30):
        Flag.objects.create(rule=FlagRule.SAME_SPOT, key=f"sample:{n}", evidence="样本", village=regions["village_a"], cadre=cadre)
    with CaptureQueriesContext(connection) as long:
        assert client.get(reverse("flags:list")).status_code == 200
    assert len(long) <= 12


def test_a_supervisor_of_another_township_sees_neither_the_queue_nor_the_flag(client, flagged, other_supervisor):
    client.force_login(other_supervisor)
    assert 'data-testid="no-flags"' in client.get(reverse("flags:list")).content.decode()
    assert client.get(reverse("flags:detail", args=[flagged.pk])).status_code == 404
    assert client.post(reverse("flags:review", args=[flagged.pk]), {"verdict": "confirmed", "note": "x", "confirmed": "1"}).status_code == 404


def test_the_review_is_asked_for_again_then_recorded(client, flagged, supervisor):
    client.force_login(supervisor)
    url = reverse("flags:review", args=[flagged.pk])
    assert "这个字段是必填项" in client.post(url, {"verdict": "confirmed", "note": ""}).content.decode()  # the note is required
    ask = client.post(url, {"verdict": "confirmed", "note": "电话核实：当天未到村。"})
    assert 'data-testid="review-confirm"' in ask.content.decode() and Flag.objects.get(pk=flagged.pk).state == Flag.State.OPEN
    done = client.post(url, {"verdict": "confirmed", "note": "电话核实：当天未到村。", "confirmed": "1"}, follow=True)
    assert "核查意见已记录" in done.content.decode() and "属实：电话核实：当天未到村。" in done.content.decode()
    assert Flag.objects.get(pk=flagged.pk).state == Flag.State.CONFIRMED


def test_the_cadre_sees_their_flags_on_my_work_explains_one_and_may_not_review_it(client, flagged, cadre):
    client.force_login(cadre)
    assert "督查人员正在核查您的 2 条记录" in client.get(reverse("work:home")).content.decode()
    assert "走访当天未签到" in client.get(reverse("flags:list")).content.decode()
    page = client.get(reverse("flags:detail", args=[flagged.pk])).content.decode()
    assert 'data-testid="explain-form"' in page and 'data-testid="review-form"' not in page
    client.post(reverse("flags:explain", args=[flagged.pk]), {"explanation": "当天在乡里开会，忘了签到。"})
    assert Flag.objects.get(pk=flagged.pk).explanation == "当天在乡里开会，忘了签到。"
    assert client.post(reverse("flags:review", args=[flagged.pk]), {"verdict": "dismissed", "note": "自己", "confirmed": "1"}).status_code == 403
    assert Flag.objects.get(pk=flagged.pk).state == Flag.State.OPEN


def test_only_a_system_administrator_sets_the_thresholds(client, campaign_admin):
    superuser = UserFactory(real_name="高系统", is_staff=True, is_superuser=True)
    client.force_login(campaign_admin)
    assert client.get(reverse("admin:campaigns_flagthresholds_add")).status_code == 403
    client.force_login(superuser)
    response = client.post(reverse("admin:campaigns_flagthresholds_add"), {
        "far_from_village_m": 2000, "visits_per_hour": 5, "minutes_apart": 3, "minutes_apart_count": 3, "same_spot_m": 5,
        "same_spot_households": 4, "diary_similarity": 0.8, "diary_min_length": 30, "last_day_share": 0.5, "last_day_min_visits": 10,
        "backdated_count": 5, "rating_burst_count": 5, "rating_burst_minutes": 10, "case_closed_minutes": 30})
    assert response.status_code == 302
    assert client.get(reverse("admin:campaigns_flagthresholds_add")).status_code == 403  # one row


def test_an_administrator_takes_the_median_of_the_check_ins_as_the_villages_reference_point(client, campaign_admin, cadre, other_cadre, regions,
                                                                                         django_assert_max_num_queries):
    from accounts.models import AuditEntry
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=TODAY - 5 * DAY, end_date=TODAY + 2 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre, other_cadre)
    services.check_in(cadre=cadre, latitude=Decimal("28.100000"), longitude=Decimal("112.900000"))
    services.check_in(cadre=other_cadre, latitude=Decimal("28.100200"), longitude=Decimal("112.900400"))
    client.force_login(campaign_admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("campaigns:village-points"), {"missing": "1"}).content.decode()
    assert "28.100100, 112.900200" in page and "2 次签到的中位数" in page
    client.post(reverse("campaigns:village-point-confirm"), {"village_code": regions["village_a"].code, "latitude": "28.100100",
                                                             "longitude": "112.900200", "back": "missing=1"})
    village = Region.objects.get(pk=regions["village_a"].pk)
    assert (village.latitude, village.longitude) == (Decimal("28.100100"), Decimal("112.900200"))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CONFIGURATION, object_id=regions["village_a"].code).exists()
    client.force_login(cadre)
    assert client.get(reverse("campaigns:village-points")).status_code == 403


def test_the_dashboard_shows_the_share_of_flagged_visits_and_the_figures_without_confirmed_fabrications(
        client, flagged, supervisor, regions, django_assert_max_num_queries):
    from campaigns import rollups
    rollups.refresh(full=True)
    client.force_login(supervisor)
    query = {"region": regions["township_a"].code, "campaign": flagged.campaign_id}
    page = client.get(reverse("dashboards:campaigns"), query).content.decode()
    assert "100.0%" in page.split("大坪村")[1].split("</tr>")[0]  # all three of yesterday's visits are flagged
    table = client.get(reverse("dashboards:campaigns"), query).context["tables"][0]
    share = next(r for r in table.rows if r[0].value == "大坪村")[[str(h) for h in table.headers].index(gettext("Visits flagged"))]
    assert client.get(share.url).context["page"].paginator.count == 3  # the share opens the flagged visits it counts
    services.flag_review(actor=supervisor, flag_id=Flag.objects.get(rule=FlagRule.FAR_FROM_VILLAGE).pk, verdict="confirmed", note="定位在县城。")
    with django_assert_max_num_queries(40):
        trusted = client.get(reverse("dashboards:campaigns"), {**query, "trusted": "1"})
    row = next(r for r in trusted.context["tables"][0].rows if r[0].value == "大坪村")
    headers = [str(h) for h in trusted.context["tables"][0].headers]
    assert row[headers.index("走访记录")].value == 2 and row[headers.index("已走访户数")].value == 2  # the fabricated visit's household is not visited
    assert "去除 1 次走访" in trusted.content.decode()
    everything = client.get(reverse("dashboards:campaigns"), query)
    assert next(r for r in everything.context["tables"][0].rows if r[0].value == "大坪村")[headers.index("走访记录")].value == 3


def test_without_fabrications_the_days_and_the_nights_agree_with_the_region_rows(client, regions, campaign_admin, cadre, supervisor):
    """Nights stayed on two days, two of the three visits confirmed fabricated: yesterday keeps its night (the other
    visit of that night is real), the day before loses it — in the village's row and in the day table alike,
    counted as the rollups count them (a cadre's night once a village-day, not once a range)."""
    from campaigns import rollups
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=TODAY - 5 * DAY, end_date=TODAY + 2 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    nights = [visit(cadre, TODAY - n * DAY, household=HouseholdFactory(village=regions["village_a"]), stayed_overnight=True) for n in (1, 2)]
    visit(cadre, TODAY - DAY, household=HouseholdFactory(village=regions["village_a"]), stayed_overnight=True)  # the same night, again
    flag = Flag.objects.create(rule=FlagRule.OVERNIGHT_WITHOUT_CHECK_IN, key="sample", evidence="样本", village=regions["village_a"],
                               campaign=campaign, cadre=cadre, state=Flag.State.CONFIRMED)
    flag.visits.add(*nights)
    rollups.refresh(full=True)
    client.force_login(supervisor)
    query = {"region": regions["township_a"].code, "campaign": campaign.pk, "trusted": "1"}
    page = client.get(reverse("dashboards:campaigns"), query)
    headers = [str(h) for h in page.context["tables"][0].headers]
    village = next(r for r in page.context["tables"][0].rows if r[0].value == "大坪村")
    assert village[headers.index("同住夜数")].value == 1 and village[headers.index("走访记录")].value == 1
    chart = page.context["days_chart"]
    nights = dict(zip(chart["x"], chart["series"][1]["data"], strict=True))
    assert nights[(TODAY - DAY).isoformat()] == 1 and nights[(TODAY - 2 * DAY).isoformat()] == 0


def test_a_filter_that_is_not_valid_is_left_out_and_the_others_still_apply(client, flagged, supervisor, regions):
    client.force_login(supervisor)
    page = client.get(reverse("flags:list"), {"rule": FlagRule.FAR_FROM_VILLAGE, "township": regions["township_b"].code, "state": "open"})
    listed = page.content.decode().split('data-testid="flags"')[1]
    assert "定位远离村庄" in listed and "走访当天未签到" not in listed  # another jurisdiction's township: ignored; the rule still holds
