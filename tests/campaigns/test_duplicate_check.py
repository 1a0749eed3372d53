"""The household form's ID number duplicate check answers only within the user's scope, is limited per
person, and every duplicate it finds is in the audit trail (issue #15, item 3: 1,898 typed candidates
recovered a real household's full number from "该身份证号已登记")."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditEntry
from campaigns import services
from campaigns.models import Household, PersonalDataView
from campaigns.services.fieldwork import ID_CHECKS_PER_HOUR
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign
from .roster_files import id_number

ELSEWHERE = id_number(1)  # a real person of 小溪村, another township's village
NEIGHBOUR = id_number(2)  # a household of the cadre's own village


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    # The real Redis cache, under a key prefix of this test's own: counts never carry over between tests or runs.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=TODAY - 2 * DAY, end_date=TODAY + 4 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return cadre


def household(village, number, id_number_value=""):
    home = HouseholdFactory(village=village, number=number, head_name=f"户主{number}")
    if id_number_value:
        home.set_id_number(id_number_value)
        home.save()
    return home


@pytest.fixture
def homes(regions):
    return {
        "mine": household(regions["village_a"], "0001"),
        "neighbour": household(regions["village_a"], "0002", NEIGHBOUR),
        "elsewhere": household(regions["village_b"], "0009", ELSEWHERE),
    }


def candidates(n: int, start: int = 100) -> list[str]:
    """Valid numbers nobody has, as someone working through birth dates would type them."""
    return [id_number(start + i) for i in range(n)]


def edit(client, home, number, **options):
    data = {"number": home.number, "head_name": home.head_name, "id_number": number, "members": 3}
    return client.post(reverse("work:household-edit", args=[home.pk]), data, **options)


def errors(response) -> list[str]:
    """The messages the page shows (saved, or what was wrong)."""
    return [str(message) for message in response.context["messages"]]


def test_typing_candidates_gets_no_confirmation_of_a_number_in_another_village(client, posted, homes):
    client.force_login(posted)
    tried = [*candidates(3), ELSEWHERE, *candidates(3, start=200)]
    answers = []
    for number in tried:
        response = edit(client, homes["mine"], number, follow=True)
        answers.append((response.status_code, tuple(response.redirect_chain), tuple(errors(response))))
    # Every candidate, the real one included, is answered alike: saved, straight back to the household.
    assert set(answers) == {(200, ((reverse("work:household", args=[homes["mine"].pk]), 302),), ("农户信息已保存。",))}
    # The real household elsewhere is untouched; the copy is recorded for an administrator to merge.
    homes["elsewhere"].refresh_from_db()
    assert homes["elsewhere"].id_number == ELSEWHERE
    entry = AuditEntry.objects.get(details__duplicate="out_of_scope")
    assert (entry.actor, entry.object_id, entry.details["village"], entry.details["number"]) == (posted, str(homes["elsewhere"].pk), homes["mine"].village_id, "0001")


def test_a_number_of_the_same_village_is_refused_and_named_and_the_look_is_recorded(client, posted, homes):
    client.force_login(posted)
    page = edit(client, homes["mine"], NEIGHBOUR)
    assert page.status_code == 200
    assert "该身份证号已登记在本村户编号 0002 下" in page.content.decode()
    homes["mine"].refresh_from_db()
    assert homes["mine"].id_number == ""
    # The refusal told the cadre the neighbour's full number: recorded like a full view of it.
    entry = AuditEntry.objects.get(details__duplicate="in_scope")
    assert (entry.action, entry.actor, entry.object_id, entry.details["field"]) == ("personal_data", posted, str(homes["neighbour"].pk), "id_number")
    assert list(PersonalDataView.objects.values_list("household", "viewer", "field")) == [(homes["neighbour"].pk, posted.pk, "id_number")]


def test_each_duplicate_hit_is_in_the_audit_trail(client, posted, homes):
    client.force_login(posted)
    for number in [NEIGHBOUR, ELSEWHERE, NEIGHBOUR, *candidates(2), ELSEWHERE, NEIGHBOUR]:
        edit(client, homes["mine"], number)
    hits = AuditEntry.objects.filter(actor=posted, action="personal_data")
    assert sorted(hits.values_list("details__duplicate", flat=True)) == ["in_scope"] * 3 + ["out_of_scope"] * 2


def test_a_burst_of_id_numbers_is_stopped_and_then_confirms_nothing(client, posted, homes):
    client.force_login(posted)
    answers = [errors(edit(client, homes["mine"], number, follow=True)) for number in candidates(ID_CHECKS_PER_HOUR)]
    assert answers == [["农户信息已保存。"]] * ID_CHECKS_PER_HOUR
    refused = edit(client, homes["mine"], id_number(999))
    assert refused.status_code == 200 and errors(refused) == ["最近一小时输入的身份证号太多，请稍后再试。"]
    homes["mine"].refresh_from_db()
    assert homes["mine"].id_number == candidates(ID_CHECKS_PER_HOUR)[-1]
    # While stopped, the neighbour's real number gets the very same answer, and is not even looked up.
    assert errors(edit(client, homes["mine"], NEIGHBOUR)) == errors(refused)
    assert not AuditEntry.objects.filter(details__duplicate="in_scope").exists()


def test_an_administrator_is_told_of_a_duplicate_anywhere_in_their_jurisdiction(campaign_admin, homes):
    with pytest.raises(ValidationError) as refused:
        services.household_save(actor=campaign_admin, village_code=homes["mine"].village_id, household_id=homes["mine"].pk,
                                data={"number": "0001", "head_name": "户主0001", "members": 3, "id_number": ELSEWHERE})
    assert "该身份证号已登记在小溪村的户编号 0009 下" in str(refused.value)


def test_the_household_page_shows_an_administrator_the_copy_to_merge_and_the_cadre_nothing(client, posted, campaign_admin, homes):
    services.household_save(actor=posted, village_code=homes["mine"].village_id, household_id=homes["mine"].pk,
                            data={"number": "0001", "head_name": "户主0001", "members": 3, "id_number": ELSEWHERE})
    client.force_login(posted)
    assert 'data-testid="id-duplicates"' not in client.get(reverse("work:household", args=[homes["mine"].pk])).content.decode()
    client.force_login(campaign_admin)
    page = client.get(reverse("work:household", args=[homes["mine"].pk])).content.decode()
    assert 'data-testid="id-duplicates"' in page and "小溪村 0009" in page


def test_one_number_twice_in_a_village_is_refused_by_the_database(regions):
    household(regions["village_a"], "0001", NEIGHBOUR)
    household(regions["village_b"], "0001", NEIGHBOUR)  # another village: allowed, for an administrator to merge
    with pytest.raises(IntegrityError), transaction.atomic():
        household(regions["village_a"], "0003", NEIGHBOUR)
    assert Household.objects.filter(id_number_hash=Household.objects.first().id_number_hash).count() == 2
