"""A cadre is not in two places at once; moves keep history; teams have one leader."""


import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from campaigns import services
from campaigns.models import Assignment, Campaign, CampaignEvent, TargetVillage
from tests.clock import DAY
from tests.factories import CampaignFactory, UserFactory

from .conftest import TODAY, assign


def test_an_overlapping_assignment_in_another_campaign_is_refused_naming_the_clash(campaign_admin, active, draft, target_a, cadre, regions):
    assign(campaign_admin, active.target_villages.get(village=regions["village_a"]), cadre)
    overlapping = CampaignFactory(name="同期活动", organiser_region=regions["county"], status=Campaign.Status.DRAFT,
                                  start_date=TODAY + 2 * DAY, end_date=TODAY + 9 * DAY)
    target = TargetVillage.objects.create(campaign=overlapping, village=regions["village_b"])

    result = assign(campaign_admin, target, cadre)

    assert result.assigned == []
    assert len(result.refused) == 1
    assert "李干部" in result.refused[0] and "秋季三同四民" in result.refused[0] and "大坪村" in result.refused[0]
    assert not Assignment.objects.filter(target_village=target).exists()


def test_back_to_back_campaigns_do_not_clash(campaign_admin, active, draft, target_a, cadre, regions):
    assign(campaign_admin, active.target_villages.get(village=regions["village_a"]), cadre)
    result = assign(campaign_admin, target_a, cadre)  # draft starts 11-30, after the active one ends 11-27
    assert result.assigned == [cadre]


def test_bulk_assignment_assigns_the_free_and_names_the_busy(campaign_admin, active, draft, target_a, unit_a, regions):
    busy, free_one, free_two = (UserFactory(unit=unit_a, roles=[Role.CADRE]) for _ in range(3))
    services.cadres_assign(actor=campaign_admin, target_id=target_a.pk, cadre_ids=[busy.pk])
    other = CampaignFactory(organiser_region=regions["county"], status=Campaign.Status.DRAFT,
                            start_date=TODAY + 8 * DAY, end_date=TODAY + 10 * DAY)
    target = TargetVillage.objects.create(campaign=other, village=regions["village_b"])

    result = services.cadres_assign(actor=campaign_admin, target_id=target.pk, cadre_ids=[busy.pk, free_one.pk, free_two.pk])

    assert set(result.assigned) == {free_one, free_two}
    assert len(result.refused) == 1 and busy.real_name in result.refused[0]
    event = other.events.get(action=CampaignEvent.Action.CADRE_ASSIGNED)
    assert set(event.changes["cadres"]) == {free_one.pk, free_two.pk}


def test_people_who_are_not_cadres_are_not_assigned(campaign_admin, target_a, supervisor):
    result = services.cadres_assign(actor=campaign_admin, target_id=target_a.pk, cadre_ids=[supervisor.pk])
    assert result.assigned == [] and result.refused


def test_assignments_stay_within_the_campaign_dates(campaign_admin, target_a, cadre):
    with pytest.raises(ValidationError):
        assign(campaign_admin, target_a, cadre, start_date=TODAY - 22 * DAY)


def test_reassigning_mid_campaign_keeps_the_history(campaign_admin, active, cadre, regions):
    target_a = active.target_villages.get(village=regions["village_a"])
    target_b = active.target_villages.get(village=regions["village_b"])
    assign(campaign_admin, target_a, cadre)
    first = Assignment.objects.get(cadre=cadre)

    moved = services.cadre_reassign(actor=campaign_admin, assignment_id=first.pk, target_id=target_b.pk, today=TODAY)

    first.refresh_from_db()
    assert (first.target_village, first.start_date, first.end_date) == (target_a, TODAY - 3 * DAY, TODAY - DAY)
    assert (moved.target_village, moved.start_date, moved.end_date) == (target_b, TODAY, TODAY + 4 * DAY)
    assert active.events.filter(action=CampaignEvent.Action.CADRE_REASSIGNED).count() == 1


def test_a_team_has_one_leader(campaign_admin, target_a, cadre, unit_a):
    from accounts.roles import Role

    second = UserFactory(unit=unit_a, roles=[Role.CADRE])
    assign(campaign_admin, target_a, cadre, second)
    first_a, second_a = Assignment.objects.filter(target_village=target_a).order_by("cadre_id")
    services.team_leader_set(actor=campaign_admin, assignment_id=first_a.pk)
    services.team_leader_set(actor=campaign_admin, assignment_id=second_a.pk)
    assert list(Assignment.objects.filter(target_village=target_a, role=Assignment.Role.LEADER)) == [second_a]


def test_ending_an_assignment_in_a_draft_removes_it_and_in_an_active_campaign_ends_it_today(campaign_admin, draft, target_a, active, cadre, other_cadre, regions):
    assign(campaign_admin, target_a, cadre)
    services.assignment_end(actor=campaign_admin, assignment_id=Assignment.objects.get(cadre=cadre).pk, today=TODAY)
    assert not Assignment.objects.filter(cadre=cadre).exists()

    assign(campaign_admin, active.target_villages.get(village=regions["village_b"]), other_cadre)
    services.assignment_end(actor=campaign_admin, assignment_id=Assignment.objects.get(cadre=other_cadre).pk, today=TODAY)
    assert Assignment.objects.get(cadre=other_cadre).end_date == TODAY


def test_a_village_with_a_team_cannot_be_removed(campaign_admin, target_a, cadre):
    assign(campaign_admin, target_a, cadre)
    with pytest.raises(ValidationError):
        services.target_village_remove(actor=campaign_admin, target_id=target_a.pk)
