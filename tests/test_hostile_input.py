"""Random and hostile values posted to the forms people fill in (hypothesis): every answer is a page
with form errors, a redirect or a 4xx — never a 500 — and a refused form writes nothing."""

import datetime
import uuid

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry
from campaigns.models import Campaign, Household, Visit
from grievances import services as case_services
from grievances.models import Case
from tests.campaigns.conftest import assign
from tests.factories import CampaignFactory, HouseholdFactory
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), max_size=20),  # control characters
    st.sampled_from([
        "", " ", "\x00", "'; DROP TABLE accounts_user; --", "<script>alert(1)</script>", "\" onmouseover=\"x", "=cmd|' /C calc'!A0",
        "9999-99-99", "0000-00-00", "2026-02-30", "-1", "1e309", "NaN", "99999999999999999999", "２０２６-１１-２３", "true", "null",
        "[]", "{}", "../../etc/passwd", "%00", "431299100201", "13812345678", "11010519491231002X",
    ]),
    st.builds(lambda s, n: s * n, st.sampled_from(["长", "a", "9", "<"]), st.integers(min_value=300, max_value=20000)),  # huge
)


def hostile_form(fields):
    """Some of the fields (missing ones are part of the test), each with a hostile value or a list of them."""
    return st.dictionaries(st.sampled_from(fields), st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3)), max_size=len(fields))


HYPOTHESIS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def counts():
    return (Case.objects.count(), Visit.objects.count(), Household.objects.count(), Campaign.objects.count())


def post_and_check(client, url, data):
    before = counts()
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if response.status_code != 302:
        assert counts() == before, (url, data)  # refused: nothing written
    return response


@pytest.fixture
def posted_cadre(regions, campaign_admin, cadre):
    today = datetime.date.today()
    campaign = CampaignFactory(organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=today - datetime.timedelta(days=3), end_date=today + datetime.timedelta(days=3))
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    HouseholdFactory(village=regions["village_a"])
    return cadre


VISIT_FIELDS = ["client_id", "visited_on", "household", "kinds", "ate_together", "stayed_overnight", "laboured_together", "diary", "deed",
                "deed_value", "latitude", "longitude", "accuracy", "demand-TOTAL_FORMS", "demand-INITIAL_FORMS", "demand-0-summary",
                "demand-0-type", "demand-0-head_count"]


@HYPOTHESIS
@given(data=hostile_form(VISIT_FIELDS))
def test_the_visit_form(client, posted_cadre, data):
    client.force_login(posted_cadre)
    post_and_check(client, reverse("work:visit-new"), data)


HOUSEHOLD_FIELDS = ["number", "head_name", "id_number", "phone", "members", "address", "tags", "family_situation", "state_of_mind",
                    "hardship_cause", "help_needed"]


@HYPOTHESIS
@given(data=hostile_form(HOUSEHOLD_FIELDS))
def test_the_household_form(client, posted_cadre, data):
    client.force_login(posted_cadre)
    post_and_check(client, reverse("work:household-new"), data)


CASE_FIELDS = ["type", "source", "category", "summary", "petitioner_name", "petitioner_phone", "head_count", "village"]


@HYPOTHESIS
@given(data=hostile_form(CASE_FIELDS))
def test_the_case_registration_form(client, intake, categories, regions, data):  # noqa: F811
    client.force_login(intake)
    post_and_check(client, reverse("grievances:register"), data)


MOVE_FIELDS = ["note", "reason", "unit", "leader", "handlers", "level", "outcome", "reply", "satisfaction", "days", "kind", "held_on",
               "mediator", "result", "agreement", "callback", "attachment"]


@HYPOTHESIS
@given(action=st.sampled_from(["accept", "reject", "assign", "transfer", "escalate", "mediate", "nonsense", "%00"]), data=hostile_form(MOVE_FIELDS))
def test_case_moves(client, intake, categories, regions, action, data):  # noqa: F811
    case = case_services.case_register(actor=intake, type="dispute", source="phone", summary="地界纠纷", petitioner_name="王建国",
                                       village_id=regions["village_a"].code)
    client.force_login(intake)
    before = (Case.objects.get(pk=case.pk).status, case.events.count())
    response = client.post(f"/cases/{case.pk}/{action}/", data)
    assert response.status_code < 500
    if response.status_code != 302:
        assert (Case.objects.get(pk=case.pk).status, case.events.count()) == before


CAMPAIGN_FIELDS = ["kind", "name", "theme", "organiser_region", "organiser_unit", "start_date", "end_date", "target_households_visited",
                   "target_nights_stayed", "target_deeds_done"]


@HYPOTHESIS
@given(data=hostile_form(CAMPAIGN_FIELDS))
def test_the_campaign_form(client, campaign_admin, data):
    client.force_login(campaign_admin)
    post_and_check(client, reverse("campaigns:create"), data)


@HYPOTHESIS
@given(data=hostile_form(["number", "phone_last4", "household_number", "rating_code", "rating", "comment"]))
def test_the_public_forms(client, regions, data):
    before = AuditEntry.objects.count()
    for url in (reverse("lookup"), f"/rate/{uuid.uuid4().hex}/"):
        assert client.post(url, data).status_code < 500
    assert AuditEntry.objects.count() == before


@HYPOTHESIS
@given(data=hostile_form(["username", "password", "next"]))
@example(data={"username": "长" * 300, "password": "0"})  # once a 500: longer than the lockout's record
def test_the_login_form(client, cadre, data):
    assert client.post(reverse("accounts:login"), data, REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.0.1").status_code < 500


@pytest.fixture
def campaign_with_village(regions, campaign_admin):
    campaign = CampaignFactory(organiser_region=regions["county"], start_date=datetime.date.today() + datetime.timedelta(days=7),
                               end_date=datetime.date.today() + datetime.timedelta(days=14))
    return campaign, campaign.target_villages.create(village=regions["village_a"])


@HYPOTHESIS
@given(data=hostile_form(["unit", "cadres", "pasted", "start_date", "end_date", "villages", "township", "q", "is_lagging", "helping_unit"]))
def test_the_campaign_team_and_village_forms(client, campaign_admin, campaign_with_village, data):
    campaign, target = campaign_with_village
    client.force_login(campaign_admin)
    from campaigns.models import Assignment, TargetVillage

    for url in (reverse("campaigns:village-assign", args=[campaign.pk, target.pk]), reverse("campaigns:villages-add", args=[campaign.pk]),
                reverse("campaigns:edit", args=[campaign.pk])):
        before = (Assignment.objects.count(), TargetVillage.objects.count())
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        if response.status_code != 302:
            assert (Assignment.objects.count(), TargetVillage.objects.count()) == before


@HYPOTHESIS
@given(data=hostile_form(["needs", "latitude", "longitude", "accuracy", "email", "webhook", "daily_digest", "kind", "campaign", "file"]))
def test_check_in_pairing_notifications_and_import_forms(client, posted_cadre, campaign_admin, data):
    client.force_login(posted_cadre)
    household = Household.objects.filter(village_id=posted_cadre.assignments.get().target_village.village_id).first()
    for url in (reverse("work:check-in"), reverse("work:pair", args=[household.pk]), reverse("grievances:notification-settings")):
        assert client.post(url, data).status_code < 500, (url, data)
    client.force_login(campaign_admin)
    assert client.post(reverse("campaigns:import-new"), data).status_code < 500


@HYPOTHESIS
@given(data=hostile_form(["old_password", "new_password1", "new_password2"]))
def test_the_password_form(client, cadre, data):
    client.force_login(cadre)
    assert client.post(reverse("accounts:password-change"), data).status_code < 500, data


@pytest.mark.two_factor
@HYPOTHESIS
@given(data=hostile_form(["code", "next"]))
def test_the_authenticator_code_forms(client, supervisor, settings, data):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"hostile-{uuid.uuid4()}"}}
    TOTPDevice.objects.filter(user=supervisor).delete()  # each example starts with no device
    client.force_login(supervisor)
    setup = client.post(reverse("accounts:otp-setup"), data)  # no device yet: the setup form
    assert setup.status_code < 500, data
    if setup.status_code != 302:
        assert not TOTPDevice.objects.filter(user=supervisor).exists()
    TOTPDevice.objects.get_or_create(user=supervisor, name="authenticator", confirmed=True)
    assert client.post(reverse("accounts:otp-verify"), data).status_code < 500, data
