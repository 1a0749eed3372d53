"""What a cadre records in the village, through the services the pages call."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import services
from campaigns.models import CheckIn, Household, PersonalDataView, Visit
from grievances.models import Case
from tests.clock import DAY, TODAY, at
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign

NOW = at(TODAY, 10, 30)


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    """The cadre, assigned to 大坪村 in an active campaign around TODAY."""
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=TODAY - 5 * DAY, end_date=TODAY + 4 * DAY)
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    return cadre


@pytest.fixture
def household(regions):
    return HouseholdFactory(village=regions["village_a"], head_name="王建国", phone="13812345678")


def record(cadre, **kwargs):
    defaults = {"client_id": uuid.uuid4(), "visited_on": TODAY, "diary": "走访了解生产情况", "now": NOW}
    return services.visit_record(cadre=cadre, **{**defaults, **kwargs})


def test_checking_in_twice_in_a_day_keeps_one_check_in(posted):
    first, created = services.check_in(cadre=posted, latitude="27.5", longitude="109.9", accuracy=30, now=NOW)
    again, created_again = services.check_in(cadre=posted, now=NOW + datetime.timedelta(hours=2))
    assert created and not created_again and first == again
    assert CheckIn.objects.get().checked_at == NOW


def test_checking_in_without_an_assignment_is_explained(cadre):
    with pytest.raises(ValidationError, match="没有驻村任务"):
        services.check_in(cadre=cadre, now=NOW)


def test_a_visit_with_two_demands_registers_two_cases(posted, household):
    visit, created = record(posted, household=household, kinds=["living", "policy"], deed="帮助申请危房改造", deed_value="800.00",
                            demands=[services.DemandInput("村道路灯损坏"), services.DemandInput("低保评定不公", type=Case.Type.PETITION, head_count=6)])
    assert created
    cases = list(Case.objects.filter(visit=visit).order_by("number"))
    assert [c.summary for c in cases] == ["村道路灯损坏", "低保评定不公"]
    assert all(c.source == Case.Source.VISIT and c.household == household and c.status == Case.Status.REGISTERED for c in cases)
    assert cases[0].number == f"XF-{TODAY.year}-000001" and cases[1].number == f"XF-{TODAY.year}-000002"
    assert cases[1].is_collective


def test_the_same_form_sent_twice_makes_one_visit(posted, household):
    client_id = uuid.uuid4()
    first, created = record(posted, client_id=client_id, household=household, demands=[services.DemandInput("修路")])
    second, created_again = record(posted, client_id=client_id, household=household, demands=[services.DemandInput("修路")])
    assert created and not created_again and first == second
    assert Visit.objects.count() == 1 and Case.objects.count() == 1


def test_a_late_visit_shows_the_gap_and_a_too_late_one_is_refused(posted):
    visit, _ = record(posted, visited_on=TODAY - datetime.timedelta(days=3))
    assert visit.days_late == 3
    with pytest.raises(ValidationError):
        record(posted, visited_on=TODAY - datetime.timedelta(days=4))
    with pytest.raises(ValidationError):
        record(posted, visited_on=TODAY + datetime.timedelta(days=1))


def test_a_household_of_another_village_cannot_be_visited(posted, regions):
    elsewhere = HouseholdFactory(village=regions["village_b"])
    with pytest.raises(ValidationError):
        record(posted, household=elsewhere)


def test_a_diary_entry_is_editable_for_24_hours_with_its_history(posted):
    visit, _ = record(posted, diary="初稿")
    services.visit_edit(actor=posted, visit_id=visit.pk, data={"diary": "改稿"}, now=NOW + datetime.timedelta(hours=23))
    visit.refresh_from_db()
    assert visit.diary == "改稿"
    assert [r.previous["diary"] for r in visit.revisions.all()] == ["初稿"]
    with pytest.raises(ValidationError, match="24"):
        services.visit_edit(actor=posted, visit_id=visit.pk, data={"diary": "再改"}, now=NOW + datetime.timedelta(hours=25))


def test_only_the_author_edits_an_entry(posted, other_cadre):
    visit, _ = record(posted)
    with pytest.raises(PermissionDenied):
        services.visit_edit(actor=other_cadre, visit_id=visit.pk, data={"diary": "x"}, now=NOW)


def test_a_photo_must_be_a_real_image(posted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError, match="JPEG"):
        record(posted, photos=[SimpleUploadedFile("x.jpg", b"<script>")])
    visit, _ = record(posted, photos=[SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100)])
    assert visit.photos.get().content_type == "image/jpeg"


def test_full_values_only_for_permitted_roles_and_each_look_is_recorded(posted, household, supervisor, campaign_admin):
    household.set_id_number("430000199001011234"[:17] + __import__("core.pii", fromlist=["x"]).id_number_check_digit("43000019900101123"))
    household.save()
    assert services.household_reveal(actor=posted, household=household, field="phone") == "13812345678"
    with pytest.raises(PermissionDenied):
        services.household_reveal(actor=posted, household=household, field="id_number")
    with pytest.raises(PermissionDenied):
        services.household_reveal(actor=supervisor, household=household, field="phone")
    assert services.household_reveal(actor=campaign_admin, household=household, field="id_number").startswith("430000")
    assert list(PersonalDataView.objects.values_list("viewer", "field")) == [(campaign_admin.pk, "id_number"), (posted.pk, "phone")]


def test_a_cadre_edits_households_of_their_village_only(posted, regions):
    created = services.household_save(actor=posted, village_code=regions["village_a"].code, data={"number": "0100", "head_name": "新户", "members": 2})
    assert created.pk
    with pytest.raises(PermissionDenied):
        services.household_save(actor=posted, village_code=regions["village_b"].code, data={"number": "0100", "head_name": "外村", "members": 2})
    assert not Household.objects.filter(village=regions["village_b"]).exists()
