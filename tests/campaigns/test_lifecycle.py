"""Draft → active → closed, with its rules, and every change recorded."""


import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from campaigns import services
from campaigns.models import Assignment, Campaign, CampaignEvent
from tests.clock import DAY
from tests.factories import UserFactory

from .conftest import TODAY, assign


def test_an_admin_creates_a_draft_and_it_is_recorded(campaign_admin, regions):
    campaign = services.campaign_create(actor=campaign_admin, data={
        "name": "冬季三同四民", "kind": Campaign.Kind.SANTONG_SIMIN, "organiser_region": regions["county"],
        "start_date": TODAY + 8 * DAY, "end_date": TODAY + 14 * DAY,
    })
    assert campaign.status == Campaign.Status.DRAFT
    event = campaign.events.get()
    assert (event.actor, event.action) == (campaign_admin, CampaignEvent.Action.CREATED)


def test_a_campaign_outside_the_jurisdiction_cannot_be_created(regions):
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=township_admin, data={
            "name": "越权", "kind": Campaign.Kind.CUSTOM, "organiser_region": regions["township_b"],
            "start_date": TODAY, "end_date": TODAY,
        })


def test_a_cadre_cannot_create_campaigns(cadre, regions):
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=cadre, data={
            "name": "x", "kind": Campaign.Kind.CUSTOM, "organiser_region": regions["county"], "start_date": TODAY, "end_date": TODAY,
        })


def test_activation_needs_villages_and_cadres_and_says_which_are_missing(campaign_admin, draft):
    with pytest.raises(ValidationError) as excinfo:
        services.campaign_activate(actor=campaign_admin, campaign_id=draft.pk, today=TODAY)
    message = excinfo.value.messages[0]
    assert "驻村点" in message and "干部" in message
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


def test_activation_with_a_village_and_a_cadre(campaign_admin, draft, target_a, cadre):
    assign(campaign_admin, target_a, cadre)
    services.campaign_activate(actor=campaign_admin, campaign_id=draft.pk, today=TODAY)
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.ACTIVE
    assert draft.events.filter(action=CampaignEvent.Action.ACTIVATED, actor=campaign_admin).exists()


def test_a_campaign_whose_end_has_passed_cannot_be_activated(campaign_admin, draft, target_a, cadre):
    assign(campaign_admin, target_a, cadre)
    with pytest.raises(ValidationError, match="已过"):
        services.campaign_activate(actor=campaign_admin, campaign_id=draft.pk, today=TODAY + 39 * DAY)


def test_edits_record_what_changed_from_what_to_what(campaign_admin, draft):
    services.campaign_update(actor=campaign_admin, campaign_id=draft.pk, data={"theme": "访民情", "target_nights_stayed": 4})
    event = draft.events.get(action=CampaignEvent.Action.UPDATED)
    assert event.changes["theme"] == ["", "访民情"]
    assert event.changes["target_nights_stayed"] == ["0", "4"]


def test_dates_must_run_forward(campaign_admin, draft):
    with pytest.raises(ValidationError):
        services.campaign_update(actor=campaign_admin, campaign_id=draft.pk, data={"end_date": TODAY - 22 * DAY})


def test_an_active_campaign_keeps_its_start_date(campaign_admin, active):
    with pytest.raises(ValidationError, match="开始日期"):
        services.campaign_update(actor=campaign_admin, campaign_id=active.pk, data={"start_date": TODAY - 2 * DAY})


def test_closing_ends_assignments_today_and_drops_those_not_begun(campaign_admin, active, cadre, other_cadre):
    target_a, target_b = active.target_villages.order_by("village_id")
    assign(campaign_admin, target_a, cadre)
    assign(campaign_admin, target_b, other_cadre, start_date=TODAY + 2 * DAY)

    services.campaign_close(actor=campaign_admin, campaign_id=active.pk, today=TODAY)

    active.refresh_from_db()
    assert active.status == Campaign.Status.CLOSED
    assert Assignment.objects.get(cadre=cadre).end_date == TODAY
    assert not Assignment.objects.filter(cadre=other_cadre).exists()


def test_a_closed_campaign_is_read_only(campaign_admin, active, cadre):
    services.campaign_close(actor=campaign_admin, campaign_id=active.pk, today=TODAY)
    target = active.target_villages.first()
    for attempt in (
        lambda: services.campaign_update(actor=campaign_admin, campaign_id=active.pk, data={"theme": "改"}),
        lambda: services.target_villages_add(actor=campaign_admin, campaign_id=active.pk, village_codes=["431299100201"]),
        lambda: assign(campaign_admin, target, cadre),
    ):
        with pytest.raises(ValidationError, match="已结束"):
            attempt()


def test_a_township_admin_cannot_change_the_county_campaign(active, regions):
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    with pytest.raises(PermissionDenied):
        services.campaign_update(actor=township_admin, campaign_id=active.pk, data={"theme": "改"})


def test_villages_outside_the_jurisdiction_are_refused(regions, draft):
    township_admin = UserFactory(jurisdiction=regions["county"], roles=[Role.CAMPAIGN_ADMIN])
    with pytest.raises(ValidationError):
        services.target_villages_add(actor=township_admin, campaign_id=draft.pk, village_codes=["110101001001"])
    assert services.target_villages_add(actor=township_admin, campaign_id=draft.pk, village_codes=["431299100201", "431299101201"]) == 2
    assert services.target_villages_add(actor=township_admin, campaign_id=draft.pk, village_codes=["431299100201"]) == 0
