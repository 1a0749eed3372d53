"""Test data builders. Regions use real-shaped division codes so prefix scoping is exercised."""

import factory
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from accounts.models import Region, Unit, User
from accounts.regions import ancestor_codes, level_of
from accounts.roles import sync_role_permissions
from campaigns.models import Campaign, Household

from .clock import DAY, TODAY

TEST_PASSWORD = "Test-password-2026"


def region(code: str, name: str | None = None) -> Region:
    """The region with this code, creating it and its missing ancestors."""
    parent = None
    for ancestor in ancestor_codes(code):
        parent, _ = Region.objects.get_or_create(
            code=ancestor, defaults={"name": f"区划{ancestor}", "level": level_of(ancestor), "parent": parent}
        )
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name or f"区划{code}", "level": level_of(code), "parent": parent}
    )
    return obj


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    region = factory.LazyFunction(lambda: region("431299000000", "清溪县"))
    kind = Unit.Kind.GOVERNMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(role_group(role))


def role_group(role) -> Group:
    """The role's group; transactional tests flush the migration-made groups, so remake them."""
    if not Group.objects.filter(name=role.value).exists():
        sync_role_permissions(django_apps, None)
    return Group.objects.get(name=role.value)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"测试活动{n}")
    kind = Campaign.Kind.SANTONG_SIMIN
    organiser_region = factory.LazyFunction(lambda: region("431299000000", "清溪县"))
    start_date = TODAY - 3 * DAY
    end_date = TODAY + 4 * DAY
    status = Campaign.Status.ACTIVE


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.LazyFunction(lambda: region("431299100201"))
    number = factory.Sequence(lambda n: f"{n:04d}")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    members = 3
