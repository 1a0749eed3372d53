"""Who reads which visits, and the campaign change log, on every page and in the admin alike."""

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from campaigns import services
from campaigns.models import Assignment, Visit
from tests.clock import DAY, NOW, TODAY, at
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory

from .conftest import assign, visit


@pytest.fixture
def village_a_history(regions, campaign_admin, cadre, unit_a):
    """大坪村 in last month's campaign, worked by 老干部, and in this week's, where the cadre and 同组干部 are posted."""
    household = HouseholdFactory(village=regions["village_a"], head_name="王建国")
    earlier = CampaignFactory(name="上月活动", organiser_region=regions["county"], start_date=TODAY - 40 * DAY, end_date=TODAY - 34 * DAY)
    predecessor = UserFactory(real_name="老干部", unit=unit_a, roles=[Role.CADRE])
    assign(campaign_admin, earlier.target_villages.create(village=regions["village_a"]), predecessor)
    old = visit(predecessor, TODAY - 36 * DAY, household, diary="上月的走访记录", now=at(TODAY - 36 * DAY, 15))
    this_week = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=TODAY - DAY, end_date=TODAY + 5 * DAY)
    teammate = UserFactory(real_name="同组干部", unit=unit_a, roles=[Role.CADRE])
    assign(campaign_admin, this_week.target_villages.create(village=regions["village_a"]), cadre, teammate)
    current = visit(teammate, TODAY, household, diary="同组今天的走访")
    return {"household": household, "old": old, "current": current}


def test_a_cadre_reads_their_teams_visits_and_not_an_earlier_teams_on_every_page(client, cadre, village_a_history):
    client.force_login(cadre)
    page = client.get(reverse("work:household", args=[village_a_history["household"].pk])).content.decode()
    assert "同组今天的走访" in page and "上月的走访记录" not in page
    assert client.get(reverse("work:visit", args=[village_a_history["current"].pk])).status_code == 200
    assert client.get(reverse("work:visit", args=[village_a_history["old"].pk])).status_code == 404


def test_the_visit_rule_is_one_queryset(cadre, village_a_history, supervisor, other_supervisor):
    assert set(Visit.objects.visible_to(cadre)) == {village_a_history["current"]}
    assert set(Visit.objects.visible_to(supervisor)) == {village_a_history["current"], village_a_history["old"]}
    assert not Visit.objects.visible_to(other_supervisor).exists()


def test_once_the_posting_ends_the_team_visits_are_out_of_sight_and_ones_own_stay(cadre, campaign_admin, village_a_history):
    own = visit(cadre, TODAY, village_a_history["household"], diary="我自己的走访")
    services.assignment_end(actor=campaign_admin, assignment_id=Assignment.objects.get(cadre=cadre).pk, today=TODAY)
    assert set(Visit.objects.visible_to(cadre)) == {own, village_a_history["current"]}  # still posted today
    with time_machine.travel(NOW + DAY):
        assert set(Visit.objects.visible_to(cadre)) == {own}


def test_a_township_admin_reads_a_county_campaigns_change_log_neither_on_the_page_nor_in_the_admin(client, regions, campaign_admin, unit_a):
    campaign = CampaignFactory(name="全县活动", organiser_region=regions["county"])
    services.target_villages_add(actor=campaign_admin, campaign_id=campaign.pk, village_codes=[regions["village_a"].code, regions["village_b"].code])
    township_admin = UserFactory(unit=unit_a, jurisdiction=regions["township_a"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    client.force_login(township_admin)
    assert client.get(reverse("campaigns:events", args=[campaign.pk])).status_code == 403
    listing = client.get(reverse("admin:campaigns_campaignevent_changelist"))
    assert listing.status_code == 200 and "小溪村" not in listing.content.decode() and "全县活动" not in listing.content.decode()
    event = campaign.events.first()
    assert client.get(reverse("admin:campaigns_campaignevent_change", args=[event.pk])).status_code == 302  # "does not exist"
    client.force_login(campaign_admin)
    assert "小溪村" in client.get(reverse("admin:campaigns_campaignevent_changelist")).content.decode()
