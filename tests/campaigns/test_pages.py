"""The campaign pages: who may see and do what, and a fixed number of queries whatever the data."""

import datetime

from django.urls import reverse

from accounts.roles import Role
from campaigns.models import Assignment, Campaign, CampaignEvent, TargetVillage
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, UserFactory, region

from .conftest import assign


def test_the_kind_chooser_offers_every_kind(client, campaign_admin):
    client.force_login(campaign_admin)
    html = client.get(reverse("campaigns:create")).content.decode()
    for label in ("三同四民", "千名干部进百村", "万名干部下基层", "为市民解忧促城区和谐", "自定义"):
        assert label in html


def test_a_santong_simin_form_starts_from_a_one_week_default(client, campaign_admin):
    client.force_login(campaign_admin)
    form = client.get(reverse("campaigns:create") + "?kind=santong_simin").context["form"]
    start, end = form.initial["start_date"], form.initial["end_date"]
    assert (end - start).days == 6
    assert form.initial["target_nights_stayed"] > 0


def test_creating_through_the_form(client, campaign_admin, regions):
    client.force_login(campaign_admin)
    response = client.post(reverse("campaigns:create"), {
        "kind": "santong_simin", "name": "冬季三同四民", "theme": "访民情", "organiser_region": regions["county"].code,
        "start_date": (TODAY + 8 * DAY).isoformat(), "end_date": (TODAY + 14 * DAY).isoformat(),
        "target_households_visited": 10, "target_nights_stayed": 3, "target_deeds_done": 2,
    })
    campaign = Campaign.objects.get(name="冬季三同四民")
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert campaign.status == Campaign.Status.DRAFT


def test_dates_in_the_wrong_order_get_a_chinese_error(client, campaign_admin, regions):
    client.force_login(campaign_admin)
    page = client.post(reverse("campaigns:create"), {
        "kind": "custom", "name": "倒序", "organiser_region": regions["county"].code,
        "start_date": (TODAY + 14 * DAY).isoformat(), "end_date": (TODAY + 8 * DAY).isoformat(),
        "target_households_visited": 0, "target_nights_stayed": 0, "target_deeds_done": 0,
    })
    assert "结束日期不能早于开始日期" in page.content.decode()
    assert not Campaign.objects.filter(name="倒序").exists()


def test_the_list_is_paginated_with_a_fixed_number_of_queries(client, campaign_admin, regions, django_assert_max_num_queries):
    client.force_login(campaign_admin)
    CampaignFactory.create_batch(3, organiser_region=regions["county"])
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("campaigns:list"))
    CampaignFactory.create_batch(40, organiser_region=regions["county"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("campaigns:list"))
    assert len(page.context["page"].object_list) == 20
    assert "第 1 / 3 页" in page.content.decode()


def test_the_detail_page_has_a_fixed_number_of_queries(client, campaign_admin, active, unit_a, regions, django_assert_max_num_queries):
    client.force_login(campaign_admin)
    target = active.target_villages.get(village=regions["village_a"])
    assign(campaign_admin, target, UserFactory(unit=unit_a, roles=[Role.CADRE]))
    with django_assert_max_num_queries(14) as few:
        client.get(active.get_absolute_url())
    for n in range(30):
        village = region(f"4312991003{n:02d}")
        t = TargetVillage.objects.create(campaign=active, village=village)
        assign(campaign_admin, t, *[UserFactory(unit=unit_a, roles=[Role.CADRE]) for _ in range(3)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(active.get_absolute_url())
    assert page.status_code == 200


def test_the_team_page_has_a_fixed_number_of_queries(client, campaign_admin, active, unit_a, regions, django_assert_max_num_queries):
    client.force_login(campaign_admin)
    target = active.target_villages.get(village=regions["village_a"])
    assign(campaign_admin, target, UserFactory(unit=unit_a, roles=[Role.CADRE]))
    url = target.get_absolute_url()
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    assign(campaign_admin, target, *[UserFactory(unit=unit_a, roles=[Role.CADRE]) for _ in range(25)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_another_township_cannot_open_a_township_campaign(client, regions, other_supervisor, supervisor):
    campaign = CampaignFactory(organiser_region=regions["township_a"])
    target = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    client.force_login(other_supervisor)
    assert client.get(campaign.get_absolute_url()).status_code == 404
    assert client.get(target.get_absolute_url()).status_code == 404
    assert campaign not in client.get(reverse("campaigns:list")).context["page"].object_list
    client.force_login(supervisor)
    assert client.get(campaign.get_absolute_url()).status_code == 200


def test_a_supervisor_sees_but_cannot_change(client, supervisor, active):
    client.force_login(supervisor)
    assert client.get(active.get_absolute_url()).status_code == 200
    assert client.get(reverse("campaigns:edit", args=[active.pk])).status_code == 403
    assert client.post(reverse("campaigns:close", args=[active.pk])).status_code == 403
    active.refresh_from_db()
    assert active.status == Campaign.Status.ACTIVE


def test_a_township_admin_gets_403_on_the_county_campaign(client, regions, active):
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    client.force_login(township_admin)
    assert client.get(active.get_absolute_url()).status_code == 200  # they see it
    assert client.post(reverse("campaigns:close", args=[active.pk])).status_code == 403


def test_activate_asks_for_confirmation_then_refuses_with_the_reasons(client, campaign_admin, draft):
    client.force_login(campaign_admin)
    confirm = client.get(reverse("campaigns:activate", args=[draft.pk]))
    assert "启动「冬季三同四民」？" in confirm.content.decode()
    response = client.post(reverse("campaigns:activate", args=[draft.pk]), follow=True)
    assert "活动暂不能启动" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


def test_assigning_by_unit_through_the_page_reports_the_clash(client, campaign_admin, active, draft, target_a, cadre, unit_a, regions):
    client.force_login(campaign_admin)
    assign(campaign_admin, active.target_villages.get(village=regions["village_b"]), cadre)
    other = CampaignFactory(name="同期活动", organiser_region=regions["county"], status=Campaign.Status.DRAFT,
                            start_date=TODAY - DAY, end_date=TODAY + DAY)
    target = TargetVillage.objects.create(campaign=other, village=regions["village_a"])
    colleague = UserFactory(real_name="赵同事", unit=unit_a, roles=[Role.CADRE])

    page = client.post(reverse("campaigns:village-assign", args=[other.pk, target.pk]), {"unit": unit_a.pk}, follow=True)

    html = page.content.decode()
    assert "已分派 1 名干部" in html
    assert "未分派：李干部 已在「秋季三同四民」中分派到 小溪村" in html
    assert list(Assignment.objects.filter(target_village=target).values_list("cadre", flat=True)) == [colleague.pk]


def test_assigning_needs_a_post(client, campaign_admin, target_a):
    client.force_login(campaign_admin)
    assert client.get(reverse("campaigns:village-assign", args=[target_a.campaign_id, target_a.pk])).status_code == 405


def test_the_village_picker_shows_only_the_jurisdiction(client, regions, draft):
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    client.force_login(township_admin)
    # The county campaign is not theirs to change, but the picker would still only offer their villages.
    page = client.get(reverse("campaigns:villages-add", args=[draft.pk]))
    codes = {v.code for v in page.context["page"]}
    assert codes == {regions["village_a"].code}


def test_adding_villages_through_the_picker_is_recorded(client, campaign_admin, draft, regions):
    client.force_login(campaign_admin)
    client.post(reverse("campaigns:villages-add", args=[draft.pk]), {"villages": [regions["village_a"].code, regions["village_b"].code]})
    assert draft.target_villages.count() == 2
    event = draft.events.get(action=CampaignEvent.Action.VILLAGE_ADDED)
    assert event.actor == campaign_admin and "大坪村" in event.summary


def test_a_cadre_sees_their_current_assignment_on_the_home_page(client, campaign_admin, regions, cadre):
    today = datetime.date.today()
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=today, end_date=today + datetime.timedelta(days=6))
    target = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    client.force_login(cadre)
    section = client.get(reverse("dashboards:home")).content.decode()
    assert "大坪村" in section and "本周活动" in section


def test_the_import_list_and_village_picker_have_a_fixed_number_of_queries(client, campaign_admin, draft, regions, django_assert_max_num_queries):
    from campaigns.models import ImportJob

    client.force_login(campaign_admin)
    ImportJob.objects.create(kind="households", file="imports/x.xlsx", original_name="first.xlsx", uploaded_by=campaign_admin)
    pages = [reverse("campaigns:imports"), reverse("campaigns:villages-add", args=[draft.pk])]
    counts = []
    for url in pages:
        with django_assert_max_num_queries(15) as few:
            client.get(url)
        counts.append(len(few.captured_queries))
    for n in range(30):
        region(f"4312991003{n:02d}")
        ImportJob.objects.create(kind="households", file="imports/x.xlsx", original_name=f"{n}.xlsx", uploaded_by=campaign_admin)
    for url, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_refusals_and_missing_pages_are_explained_in_chinese(client, supervisor, other_supervisor, active, regions):
    client.force_login(supervisor)
    forbidden = client.get(reverse("campaigns:edit", args=[active.pk]))
    assert forbidden.status_code == 403 and "您无权进行此操作" in forbidden.content.decode()
    township_campaign = CampaignFactory(organiser_region=regions["township_b"])
    missing = client.get(township_campaign.get_absolute_url())
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
