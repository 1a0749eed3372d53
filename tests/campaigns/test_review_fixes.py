"""Holes found in review, each pinned by the behaviour a user would notice."""


import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from campaigns import services
from campaigns.models import Assignment, Campaign, Household, ImportJob, TargetVillage
from campaigns.services.import_jobs import run_import
from tests.clock import DAY
from tests.factories import CampaignFactory, UserFactory

from .conftest import TODAY, assign
from .roster_files import CADRE_HEADER, HOUSEHOLD_HEADER, households, xlsx


def _import(actor, kind, upload, django_capture_on_commit_callbacks, campaign=None):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=actor, kind=kind, upload=upload, campaign=campaign)
    run_import(job.pk)
    job.refresh_from_db()
    return job


def test_flags_and_helping_unit_are_saved_on_postgresql(campaign_admin, target_a, unit_a):
    services.target_village_update(actor=campaign_admin, target_id=target_a.pk, flags={"is_lagging": True}, helping_unit=unit_a)
    target_a.refresh_from_db()
    assert target_a.is_lagging and target_a.helping_unit == unit_a
    assert target_a.campaign.events.filter(action="village_updated").exists()


def test_a_cadre_sees_the_whole_campaigns_counts_not_just_their_own(client, campaign_admin, active, cadre, other_cadre, regions):
    assign(campaign_admin, active.target_villages.get(village=regions["village_a"]), cadre)
    assign(campaign_admin, active.target_villages.get(village=regions["village_b"]), other_cadre)
    client.force_login(cadre)
    listed = client.get(reverse("campaigns:list")).context["page"].object_list
    assert [(c.village_count, c.cadre_count) for c in listed] == [(2, 2)]


def test_the_change_log_is_only_for_those_holding_the_whole_campaign(client, supervisor, campaign_admin, active):
    client.force_login(supervisor)  # township A: sees the county campaign, not its county-wide history
    page = client.get(active.get_absolute_url())
    assert page.status_code == 200 and page.context["events"] is None
    assert client.get(reverse("campaigns:events", args=[active.pk])).status_code == 403
    client.force_login(campaign_admin)
    assert client.get(reverse("campaigns:events", args=[active.pk])).status_code == 200


def test_the_move_page_lists_only_villages_in_the_jurisdiction(client, regions, campaign_admin, cadre):
    campaign = CampaignFactory(organiser_region=regions["township_a"], status=Campaign.Status.DRAFT,
                               start_date=TODAY + 8 * DAY, end_date=TODAY + 10 * DAY)
    here = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    assign(township_admin, here, cadre)
    from tests.factories import region

    TargetVillage.objects.create(campaign=campaign, village=region("431299100202", "二村"))
    client.force_login(township_admin)
    form = client.get(reverse("campaigns:assignment-move", args=[campaign.pk, Assignment.objects.get().pk])).context["form"]
    assert [str(t) for t in form.fields["target"].queryset] == ["二村"]


def test_a_cadre_roster_cannot_rewrite_a_leaders_account(campaign_admin, leader, unit_a, django_capture_on_commit_callbacks):
    rows = [["冒名", "13900000009", unit_a.name, "", leader.username]]
    job = _import(campaign_admin, ImportJob.Kind.CADRES, xlsx(CADRE_HEADER, rows), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.REJECTED
    leader.refresh_from_db()
    assert leader.real_name == "唐领导" and not leader.has_role(Role.CADRE)


def test_an_id_number_registered_outside_the_jurisdiction_is_neither_confirmed_nor_located(regions, django_capture_on_commit_callbacks, campaign_admin):
    """The import answers no question about numbers elsewhere (#15: a file of candidate numbers must not
    learn which belong to real people): the household is imported as its own, for an administrator of both to merge."""
    _import(campaign_admin, ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, households("431299101201", 1)), django_capture_on_commit_callbacks)
    township_admin = UserFactory(jurisdiction=regions["township_a"], roles=[Role.CAMPAIGN_ADMIN])
    rows = households("431299100201", 1)
    job = _import(township_admin, ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and job.errors == []
    assert Household.objects.filter(id_number_hash=Household.objects.get(village_id="431299101201").id_number_hash).count() == 2
    # Within the jurisdiction the duplicate is named, as on the household form.
    again = _import(campaign_admin, ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, [["431299100201", "0099", *rows[0][2:]]]),
                    django_capture_on_commit_callbacks)
    assert again.status == ImportJob.Status.REJECTED and "0001" in again.errors[0]["message"]


def test_a_household_file_without_id_numbers_keeps_the_stored_ones(campaign_admin, regions, django_capture_on_commit_callbacks):
    _import(campaign_admin, ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, households("431299100201", 2)), django_capture_on_commit_callbacks)
    stored = list(Household.objects.order_by("number").values_list("id_number_hash", "id_number_cipher"))
    without = [[r[0], r[1], "改名", r[4], r[5], r[6]] for r in households("431299100201", 2)]
    header = [h for h in HOUSEHOLD_HEADER if h != "身份证号"]
    job = _import(campaign_admin, ImportJob.Kind.HOUSEHOLDS, xlsx(header, without), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert list(Household.objects.order_by("number").values_list("id_number_hash", "id_number_cipher")) == stored
    assert set(Household.objects.values_list("head_name", flat=True)) == {"改名"}


def test_reimporting_assignments_with_a_new_leader_changes_the_role(campaign_admin, draft, target_a, cadre, django_capture_on_commit_callbacks):
    header = ["村代码", "用户名或手机号", "角色", "开始日期", "结束日期"]
    _import(campaign_admin, ImportJob.Kind.ASSIGNMENTS, xlsx(header, [[target_a.village_id, cadre.username, "组员", "", ""]]), django_capture_on_commit_callbacks, draft)
    job = _import(campaign_admin, ImportJob.Kind.ASSIGNMENTS, xlsx(header, [[target_a.village_id, cadre.username, "组长", "", ""]]), django_capture_on_commit_callbacks, draft)
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 0, 1)
    assert Assignment.objects.get(cadre=cadre).role == Assignment.Role.LEADER


def test_an_assignment_file_queued_before_the_campaign_closed_writes_nothing(campaign_admin, active, cadre, regions, django_capture_on_commit_callbacks):
    header = ["村代码", "用户名或手机号", "角色", "开始日期", "结束日期"]
    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.ASSIGNMENTS,
                                           upload=xlsx(header, [[regions["village_a"].code, cadre.username, "", "", ""]]), campaign=active)
    services.campaign_close(actor=campaign_admin, campaign_id=active.pk, today=TODAY)
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED and "已结束" in job.errors[0]["message"]
    assert not Assignment.objects.exists()


def test_an_ended_assignment_cannot_lead_or_end_again(campaign_admin, active, cadre, regions):
    assign(campaign_admin, active.target_villages.get(village=regions["village_a"]), cadre, end_date=TODAY - 2 * DAY)
    ended = Assignment.objects.get()
    with pytest.raises(ValidationError):
        services.team_leader_set(actor=campaign_admin, assignment_id=ended.pk)
    with pytest.raises(ValidationError):
        services.assignment_end(actor=campaign_admin, assignment_id=ended.pk, today=TODAY)


def test_a_draft_cannot_shrink_around_its_assignments(campaign_admin, draft, target_a, cadre):
    assign(campaign_admin, target_a, cadre)
    with pytest.raises(ValidationError):
        services.campaign_update(actor=campaign_admin, campaign_id=draft.pk, data={"end_date": TODAY + 9 * DAY})


def test_a_nul_byte_in_a_search_is_harmless(client, campaign_admin, draft):
    client.force_login(campaign_admin)
    assert client.get(reverse("campaigns:list") + "?q=%00abc").status_code == 400  # refused before any view
    assert client.get(reverse("campaigns:villages-add", args=[draft.pk]) + "?q=%00&township=%00").status_code == 400
