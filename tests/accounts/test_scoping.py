"""A user sees their jurisdiction's subtree and nothing beside it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Region, Unit, User
from campaigns.models import Campaign, Household
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory


@pytest.fixture
def households(regions):
    return {
        "a": HouseholdFactory.create_batch(3, village=regions["village_a"]),
        "b": HouseholdFactory.create_batch(2, village=regions["village_b"]),
    }


def test_a_township_supervisor_sees_only_their_townships_households(supervisor, households):
    visible = set(Household.objects.visible_to(supervisor))
    assert visible == set(households["a"])


def test_the_other_township_supervisor_sees_only_theirs(other_supervisor, households):
    assert set(Household.objects.visible_to(other_supervisor)) == set(households["b"])


def test_a_county_jurisdiction_sees_every_township(campaign_admin, households):
    assert Household.objects.visible_to(campaign_admin).count() == 5


def test_regions_visible_are_the_subtree_and_the_way_up(supervisor, regions):
    visible = set(Region.objects.visible_to(supervisor).values_list("code", flat=True))
    assert regions["village_a"].code in visible
    assert regions["township_a"].code in visible
    assert regions["county"].code in visible  # where they stand
    assert regions["township_b"].code not in visible
    assert regions["village_b"].code not in visible


def test_staff_of_the_other_township_are_not_visible(supervisor, other_supervisor, cadre, other_cadre):
    visible = set(User.objects.visible_to(supervisor))
    assert {supervisor, cadre} <= visible
    assert other_supervisor not in visible
    assert other_cadre not in visible


def test_units_of_the_other_township_are_not_visible(supervisor, unit_a, unit_b):
    visible = set(Unit.objects.visible_to(supervisor))
    assert unit_a in visible
    assert unit_b not in visible


def test_a_township_sees_the_county_campaign_but_not_the_neighbours(supervisor, regions):
    county_campaign = CampaignFactory(organiser_region=regions["county"])
    own = CampaignFactory(organiser_region=regions["township_a"])
    neighbours = CampaignFactory(organiser_region=regions["township_b"])
    visible = set(Campaign.objects.visible_to(supervisor))
    assert visible == {county_campaign, own}
    assert neighbours not in visible


def test_no_jurisdiction_means_no_region_records(cadre, outsider, households):
    assert not Household.objects.visible_to(cadre).exists()
    assert not Household.objects.visible_to(outsider).exists()
    assert set(User.objects.visible_to(outsider)) == {outsider}


def test_anonymous_and_disabled_users_see_nothing(supervisor, households):
    assert not Household.objects.visible_to(AnonymousUser()).exists()
    supervisor.is_active = False
    assert not Household.objects.visible_to(supervisor).exists()


def test_a_superuser_sees_everything(households):
    root = UserFactory(is_superuser=True, unit=None)
    assert Household.objects.visible_to(root).count() == 5


def test_the_django_admin_lists_only_the_jurisdiction(client, regions, households):
    township_admin = UserFactory(jurisdiction=regions["township_a"], is_staff=True, is_superuser=False, unit=None)
    township_admin.user_permissions.add(*_permissions("view_household"))
    client.force_login(township_admin)

    page = client.get("/admin/campaigns/household/")

    assert page.status_code == 200
    shown = {h.pk for h in page.context["cl"].result_list}
    assert shown == {h.pk for h in households["a"]}
    outside = households["b"][0]
    assert client.get(f"/admin/campaigns/household/{outside.pk}/change/").status_code == 302  # "doesn't exist"


def _permissions(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename=codename)
