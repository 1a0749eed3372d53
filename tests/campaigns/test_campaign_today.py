"""Dashboards open on the campaign running today, and an activated campaign before its first day is
未开始 (not started), not 进行中, wherever its status is shown."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from dashboards import campaign_figures as dashboard
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

ACTIVE, CLOSED, DRAFT = Campaign.Status.ACTIVE, Campaign.Status.CLOSED, Campaign.Status.DRAFT


def campaign(regions, name, status, start, days=7):
    return CampaignFactory(name=name, organiser_region=regions["county"], status=status, start_date=TODAY + start * DAY,
                           end_date=TODAY + (start + days - 1) * DAY)


@pytest.fixture
def three(regions):
    """Last month's campaign (closed), this week's (running) and next week's (already activated)."""
    return {
        "past": campaign(regions, "秋季三同四民", CLOSED, -30),
        "running": campaign(regions, "冬季三同四民", ACTIVE, -2),
        "next": campaign(regions, "春季三同四民", ACTIVE, 7),
    }


def test_the_campaign_running_today_is_chosen_over_a_newer_one_not_yet_started(three, county_supervisor):
    chosen, choices = dashboard.campaign_choice(county_supervisor, today=TODAY)
    assert chosen == three["running"]
    assert choices == [three["next"], three["running"], three["past"]]


def test_on_its_first_and_last_day_a_campaign_is_running(three, county_supervisor):
    running = three["running"]
    assert dashboard.campaign_choice(county_supervisor, today=running.start_date)[0] == running
    assert dashboard.campaign_choice(county_supervisor, today=running.end_date)[0] == running


def test_with_none_running_the_latest_started_is_chosen_else_the_next(regions, county_supervisor):
    upcoming = campaign(regions, "明年活动", ACTIVE, 30)
    sooner = campaign(regions, "下周活动", ACTIVE, 7)
    campaign(regions, "草稿", DRAFT, -1)
    assert dashboard.campaign_choice(county_supervisor, today=TODAY)[0] == sooner  # nothing has started: the next one
    ended = campaign(regions, "上月活动", ACTIVE, -40)  # active, but its dates are over
    closed = campaign(regions, "上周活动", CLOSED, -10)
    assert dashboard.campaign_choice(county_supervisor, today=TODAY)[0] == closed
    assert dashboard.campaign_choice(county_supervisor, today=TODAY - 35 * DAY)[0] == ended
    assert dashboard.campaign_choice(county_supervisor, today=TODAY)[1] == [upcoming, sooner, closed, ended]


def test_a_campaign_asked_for_is_shown_even_before_it_starts(three, county_supervisor):
    assert dashboard.campaign_choice(county_supervisor, str(three["next"].pk), today=TODAY)[0] == three["next"]


def test_the_dashboard_and_rankings_open_on_todays_campaign(client, three, county_supervisor, campaign_admin):
    client.force_login(county_supervisor)
    page = client.get(reverse("dashboards:campaigns"))
    assert page.context["campaign"] == three["running"]
    assert (page.context["scope"].date_from, page.context["scope"].date_to) == (three["running"].start_date, TODAY)
    assert 'data-testid="not-started"' not in page.content.decode()
    client.force_login(campaign_admin)
    assert client.get(reverse("dashboards:rankings")).context["campaign"] == three["running"]


def test_a_campaign_before_its_start_date_is_not_started_everywhere_its_status_shows(client, three, campaign_admin):
    upcoming, running = three["next"], three["running"]
    assert upcoming.is_upcoming(today=TODAY) and upcoming.status_label(today=TODAY) == "未开始"
    assert not upcoming.is_upcoming(today=upcoming.start_date) and upcoming.status_label(today=upcoming.start_date) == "进行中"
    assert running.status_label(today=TODAY) == "进行中" and three["past"].status_label(today=TODAY) == "已结束"

    client.force_login(campaign_admin)
    listed = client.get(reverse("campaigns:list")).content.decode()
    row = listed.split(upcoming.name)[1].split("</tr>")[0]
    assert "未开始" in row and "进行中" not in row
    assert "进行中" in listed.split(running.name)[1].split("</tr>")[0]

    detail = client.get(reverse("campaigns:detail", args=[upcoming.pk])).content.decode()
    assert 'data-testid="campaign-status">未开始<' in detail

    board = client.get(reverse("dashboards:campaigns") + f"?campaign={upcoming.pk}").content.decode()
    assert 'data-testid="campaign-status">未开始<' in board
    assert 'data-testid="not-started"' in board
    assert "今天有驻村任务的干部都已签到" not in board  # nobody is posted yet: not "everyone checked in"
    assert f"{upcoming.name}（未开始）" in board and f"{running.name}（进行中）" in board  # the campaign picker
