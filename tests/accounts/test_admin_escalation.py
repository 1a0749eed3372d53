"""A county campaign administrator tries to raise powers through the Django admin (issue 15, finding 1):
their own or another account's jurisdiction put above their own, roles they do not hold, their own unit
moved to the petition office, a superuser's password set and a second factor enrolled for it. The rules
(accounts/services.py): nobody changes their own powers; an administrator grants only roles they hold,
jurisdictions inside their own and units of it; only a superuser touches a superuser's or staff account;
each change needs the administrator's password again and is in the audit trail."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AuditEntry, Region, Unit, User
from accounts.roles import Role
from tests.factories import TEST_PASSWORD, UnitFactory, UserFactory, role_group

pytestmark = pytest.mark.django_db

CITY, PROVINCE = "431200000000", "430000000000"
NEW_PASSWORD = "Hunan-Xiaxiang-2027"
Action = AuditEntry.Action


@pytest.fixture(autouse=True)
def _no_confirmation_counts_left_over(settings):
    """Wrong confirmations are counted per account id in Redis, and a new test database reuses the ids."""
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in client.scan_iter(match="*ratelimit:admin-confirm:*"):
        client.delete(key)


@pytest.fixture
def above(regions):
    """The city and the province above the county (made with it by tests.factories.region)."""
    Region.objects.filter(code=PROVINCE).update(name="湖南省")
    Region.objects.filter(code=CITY).update(name="怀化市")
    return {"city": Region.objects.get(code=CITY), "province": Region.objects.get(code=PROVINCE)}


@pytest.fixture
def petition_office(regions):
    return UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)


@pytest.fixture
def system_admin(regions):
    """A superuser whose unit lies in the county: the county's campaign admin sees the account."""
    return UserFactory(real_name="高系统", unit=UnitFactory(name="县委办公室", region=regions["county"]), is_staff=True, is_superuser=True)


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def password_url(user):
    return reverse("admin:auth_user_password_change", args=[user.pk])


def account_form(user, confirm=TEST_PASSWORD, **changes):
    """What the admin's account form posts for this account, with `changes`: every field a browser could
    send, read-only on the page or not (an attacker sends them all), and the administrator's password."""
    values = {
        "username": user.username, "real_name": user.real_name, "phone": user.phone, "email": user.email,
        "unit": user.unit_id, "jurisdiction": user.jurisdiction_id, "is_active": user.is_active,
        "is_staff": user.is_staff, "is_superuser": user.is_superuser,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": user.date_joined.date().isoformat(), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "actor_password": confirm,
    }
    values.update(changes)
    data = {}
    for name, value in values.items():
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


def powers(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.jurisdiction_id, user.unit_id, user.is_staff, user.is_superuser, user.is_active, user.password,
            sorted(user.groups.values_list("name", flat=True)), sorted(user.user_permissions.values_list("codename", flat=True)))


def roles(*names) -> list[int]:
    return [role_group(role).pk for role in names]


def test_a_county_admin_cannot_put_their_own_jurisdiction_on_the_city_or_the_province(client, campaign_admin, above):
    client.force_login(campaign_admin)
    before = powers(campaign_admin)
    for region in above.values():
        client.post(change_url(campaign_admin), account_form(campaign_admin, jurisdiction=region.code))
        assert powers(campaign_admin) == before, f"raised their own jurisdiction to {region}"
    # What the page offers: their own jurisdiction is not a field they can fill in.
    form = client.get(change_url(campaign_admin)).context["adminform"].form
    assert not {"jurisdiction", "unit", "groups", "is_active", "is_staff"} & set(form.fields)


def test_a_county_admin_cannot_put_another_account_above_the_county_but_may_inside_it(client, campaign_admin, cadre, above, regions):
    client.force_login(campaign_admin)
    before = powers(cadre)
    for region in above.values():
        client.post(change_url(cadre), account_form(cadre, jurisdiction=region.code))
        assert powers(cadre) == before, f"gave a cadre the jurisdiction {region}"
    jurisdiction_choices = client.get(change_url(cadre)).context["adminform"].form.fields["jurisdiction"].queryset
    assert not jurisdiction_choices.filter(code__in=[CITY, PROVINCE]).exists()

    response = client.post(change_url(cadre), account_form(cadre, jurisdiction=regions["township_a"].code))
    assert response.status_code == 302
    assert User.objects.get(pk=cadre.pk).jurisdiction_id == regions["township_a"].code
    entry = AuditEntry.objects.filter(action=Action.JURISDICTION, object_id=str(cadre.pk)).get()
    assert entry.actor == campaign_admin and "jurisdiction" in entry.summary


def test_nobody_gives_themselves_roles_or_moves_their_own_unit(client, campaign_admin, petition_office, system_admin):
    client.force_login(campaign_admin)
    before = powers(campaign_admin)
    grab = roles(Role.CAMPAIGN_ADMIN, Role.HANDLER, Role.SUPERVISOR, Role.LEADER)
    client.post(change_url(campaign_admin), account_form(campaign_admin, groups=grab, unit=petition_office.pk))
    assert powers(campaign_admin) == before
    assert client.get(reverse("grievances:list")).status_code == 403  # the case list stays closed to them

    # A superuser neither: another superuser changes their powers.
    client.force_login(system_admin)
    before = powers(system_admin)
    client.post(change_url(system_admin), account_form(system_admin, groups=grab, unit=petition_office.pk, is_superuser=False))
    assert powers(system_admin) == before
    with pytest.raises(PermissionDenied):
        services.user_update(actor=system_admin, user_id=system_admin.pk, changes={"unit": petition_office}, confirm_password=TEST_PASSWORD)


def test_an_admin_grants_only_roles_they_hold_and_confirms_with_their_password(client, campaign_admin, cadre):
    client.force_login(campaign_admin)
    before = powers(cadre)
    for role in (Role.HANDLER, Role.SUPERVISOR, Role.LEADER):
        client.post(change_url(cadre), account_form(cadre, groups=roles(Role.CADRE, role)))
        assert powers(cadre) == before, f"gave a cadre {role}"
    offered = set(client.get(change_url(cadre)).context["adminform"].form.fields["groups"].queryset.values_list("name", flat=True))
    assert offered == {Role.CADRE.value, Role.CAMPAIGN_ADMIN.value}

    for confirm in ("", "not-my-password"):
        response = client.post(change_url(cadre), account_form(cadre, confirm=confirm, groups=roles(Role.CADRE, Role.CAMPAIGN_ADMIN)))
        assert response.status_code == 200 and response.context["adminform"].form.errors["actor_password"]
        assert powers(cadre) == before
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED, actor=campaign_admin).count() == 1  # the wrong one

    response = client.post(change_url(cadre), account_form(cadre, groups=roles(Role.CADRE, Role.CAMPAIGN_ADMIN)))
    assert response.status_code == 302
    assert set(User.objects.get(pk=cadre.pk).groups.values_list("name", flat=True)) == {Role.CADRE.value, Role.CAMPAIGN_ADMIN.value}
    entry = AuditEntry.objects.filter(action=Action.ROLES, object_id=str(cadre.pk)).latest("id")
    assert entry.actor == campaign_admin and entry.details["roles"] == [Role.CAMPAIGN_ADMIN.value]


def test_a_change_of_name_alone_needs_no_password(client, campaign_admin, cadre):
    client.force_login(campaign_admin)
    response = client.post(change_url(cadre), account_form(cadre, confirm="", real_name="李干部改"))
    assert response.status_code == 302 and User.objects.get(pk=cadre.pk).real_name == "李干部改"


def test_nobody_but_a_superuser_touches_a_superusers_or_staff_or_stronger_accounts(client, campaign_admin, system_admin, regions, county_supervisor):
    township_admin = UserFactory(jurisdiction=regions["township_a"], unit=UnitFactory(region=regions["township_a"]), is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    client.force_login(campaign_admin)
    for account in (system_admin, township_admin, county_supervisor):
        before = powers(account)
        assert client.get(password_url(account)).status_code == 403
        response = client.post(password_url(account), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
                                                        "actor_password": TEST_PASSWORD})
        assert response.status_code == 403
        page = client.get(change_url(account))
        assert page.status_code == 200 and not page.context["has_change_permission"]
        client.post(change_url(account), account_form(account, groups=[], is_active=False, real_name="改"))
        assert powers(account) == before and User.objects.get(pk=account.pk).real_name == account.real_name
        with pytest.raises(PermissionDenied):
            services.user_set_password(actor=campaign_admin, user_id=account.pk, password=NEW_PASSWORD, confirm_password=TEST_PASSWORD)
    assert not User.objects.get(pk=system_admin.pk).check_password(NEW_PASSWORD)


@pytest.mark.two_factor
def test_a_county_admin_cannot_take_over_a_superuser_who_has_not_set_up_two_factor(client, campaign_admin, system_admin):
    """The reported chain: set the superuser's password, log in as them, enrol one's own authenticator,
    read the audit trail. The first step is refused, so no login with the attacker's password succeeds."""
    TOTPDevice.objects.create(user=campaign_admin, name="authenticator", confirmed=True)
    client.force_login(campaign_admin)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=campaign_admin).persistent_id  # verified, as after a code
    session.save()
    assert client.get(password_url(system_admin)).status_code == 403
    client.post(password_url(system_admin), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
                                             "actor_password": TEST_PASSWORD})
    attacker = Client()
    assert attacker.post(reverse("accounts:login"), {"username": system_admin.username, "password": NEW_PASSWORD}).status_code == 200
    assert not TOTPDevice.objects.filter(user=system_admin).exists()


def test_setting_a_cadres_password_needs_the_admins_own_and_is_recorded(client, campaign_admin, cadre):
    client.force_login(campaign_admin)
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    hashed = User.objects.get(pk=cadre.pk).password
    for confirm in ("", "Wrong-password-2026"):
        response = client.post(password_url(cadre), {**form, "actor_password": confirm})
        assert response.status_code == 200 and response.context["form"].errors["actor_password"]
        assert User.objects.get(pk=cadre.pk).password == hashed
    response = client.post(password_url(cadre), {**form, "actor_password": TEST_PASSWORD})
    assert response.status_code == 302
    cadre = User.objects.get(pk=cadre.pk)
    assert cadre.check_password(NEW_PASSWORD) and cadre.must_change_password
    entry = AuditEntry.objects.filter(action=Action.CONFIGURATION, object_id=str(cadre.pk), summary__contains=cadre.username).latest("id")
    assert entry.actor == campaign_admin


def test_wrong_confirmations_are_limited(client, campaign_admin, cadre):
    client.force_login(campaign_admin)
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    for _ in range(services.WRONG_CONFIRMATIONS_ALLOWED):
        client.post(password_url(cadre), {**form, "actor_password": "Wrong-password-2026"})
    response = client.post(password_url(cadre), {**form, "actor_password": TEST_PASSWORD})  # now even the right one waits
    assert response.status_code == 200 and not User.objects.get(pk=cadre.pk).check_password(NEW_PASSWORD)


def test_an_admin_creates_accounts_only_inside_their_jurisdiction(client, campaign_admin, above, regions):
    client.force_login(campaign_admin)
    url = reverse("admin:accounts_user_add")
    form = {"username": "xinren", "real_name": "新人", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
            "actor_password": TEST_PASSWORD}
    for region in above.values():
        client.post(url, {**form, "jurisdiction": region.code})
        assert not User.objects.filter(username="xinren").exists(), f"made an account for {region}"
    response = client.post(url, {**form, "jurisdiction": regions["township_a"].code})
    assert response.status_code == 302
    made = User.objects.get(username="xinren")
    assert made.jurisdiction_id == regions["township_a"].code and made.must_change_password


def test_a_superuser_resets_a_lost_authenticator_with_their_password(client, system_admin, campaign_admin):
    TOTPDevice.objects.create(user=campaign_admin, name="authenticator", confirmed=True)
    client.force_login(system_admin)
    response = client.post(change_url(campaign_admin), account_form(campaign_admin, confirm="", reset_two_factor=True))
    assert response.status_code == 200 and TOTPDevice.objects.filter(user=campaign_admin).exists()
    response = client.post(change_url(campaign_admin), account_form(campaign_admin, reset_two_factor=True))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=campaign_admin).exists()
    assert AuditEntry.objects.filter(action=Action.TWO_FACTOR, object_id=str(campaign_admin.pk), actor=system_admin).exists()


def test_the_role_and_authenticator_admins_are_for_superusers_only_whatever_permissions_one_holds(client, campaign_admin, system_admin):
    """Even given the permissions outright, someone who is not a superuser cannot edit what a role may do
    or plant an authenticator on another account."""
    campaign_admin.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["auth", "otp_totp"]))
    campaign_admin = User.objects.get(pk=campaign_admin.pk)
    client.force_login(campaign_admin)
    role = Group.objects.get(name=Role.CAMPAIGN_ADMIN.value)
    urls = [reverse("admin:auth_group_changelist"), reverse("admin:auth_group_change", args=[role.pk]), reverse("admin:auth_group_add"),
            reverse("admin:otp_totp_totpdevice_changelist"), reverse("admin:otp_totp_totpdevice_add")]
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.post(reverse("admin:otp_totp_totpdevice_add"), {"user": system_admin.pk, "name": "mine", "confirmed": "on", "key": "3132333435363738393031323334353637383930",
                                                             "step": 30, "t0": 0, "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
    assert not TOTPDevice.objects.filter(user=system_admin).exists()
    permissions = set(role.permissions.values_list("pk", flat=True))
    client.post(reverse("admin:auth_group_change", args=[role.pk]), {"name": role.name, "permissions": list(Permission.objects.values_list("pk", flat=True))})
    assert set(role.permissions.values_list("pk", flat=True)) == permissions

    # A superuser sees the devices but not their keys, and makes none for somebody else.
    device = TOTPDevice.objects.create(user=campaign_admin, name="authenticator", confirmed=True)
    client.force_login(system_admin)
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
    assert device.key not in client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()


def test_the_refusals_are_said_in_chinese(campaign_admin, cadre, above):
    with pytest.raises(PermissionDenied) as refused:
        services.user_update(actor=campaign_admin, user_id=campaign_admin.pk, changes={"jurisdiction": above["city"]}, confirm_password=TEST_PASSWORD)
    assert "自己" in str(refused.value)
    with pytest.raises(PermissionDenied) as refused:
        services.user_update(actor=campaign_admin, user_id=cadre.pk, changes={"jurisdiction": above["province"]}, confirm_password=TEST_PASSWORD)
    assert "湖南省" in str(refused.value) and "管辖" in str(refused.value)
