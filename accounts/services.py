"""Changes to accounts: who may give whom roles, a unit, a jurisdiction, a password or a fresh two-factor set-up.

The rules live here and nowhere else; the admin's user forms, its password form and the two-factor reset
call these functions, and so does anything else that changes an account's powers.

- Nobody changes their own roles, unit, jurisdiction or staff, superuser and active flags.
- Only a system administrator (superuser) touches a superuser's or a staff member's account, makes staff
  or superusers, or hands out single permissions.
- Anyone else acts only on accounts that hold nothing they could not have given themselves: roles they may
  grant, and a jurisdiction and unit inside their own jurisdiction. They grant only roles they hold (a
  campaign administrator also makes cadres, as the roster import does), jurisdictions inside their own and
  units of their jurisdiction.
- Every such change asks for the actor's own password again and is in the audit trail: roles and powers
  through accounts/audit.py's receivers, passwords and two-factor resets recorded here.
"""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.ratelimit import allow, blocked

from . import audit
from .models import User
from .roles import Role
from .scoping import within_jurisdiction

# What decides what an account may see and do: changing any of them asks for the actor's password.
POWER_FIELDS = ("unit", "jurisdiction", "is_active", "is_staff", "is_superuser")
SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser")
EDITABLE_FIELDS = ("username", "real_name", "phone", "email", *POWER_FIELDS)
WRONG_CONFIRMATIONS_ALLOWED = 5  # per 15 minutes and actor, then every confirmation is refused until the window passes
WRONG_CONFIRMATIONS_WINDOW = 15 * 60


def grantable_roles(actor: User) -> frozenset[Role]:
    """The roles the actor may give or take away: every role for a superuser, else those they hold
    (and the cadre role for a campaign administrator, who makes cadres by the roster import too)."""
    if actor.is_superuser:
        return frozenset(Role)
    held = set(actor.roles)
    if Role.CAMPAIGN_ADMIN in held:
        held.add(Role.CADRE)
    return frozenset(held)


def grantable_groups(actor: User):
    """The groups the actor may give: all for a superuser, else the groups of their grantable roles."""
    if actor.is_superuser:
        return Group.objects.all()
    return Group.objects.filter(name__in=[role.value for role in grantable_roles(actor)])


def _inside(actor: User, code: str | None) -> bool:
    return code is not None and within_jurisdiction(actor, code)


def can_manage_account(actor: User, account: User) -> bool:
    """Whether the actor may change this other account: its password, roles, two-factor set-up and powers.

    Never one's own account (see `user_update` for what one may change there), nor a superuser's or a staff
    member's unless the actor is a superuser; otherwise the account must hold nothing the actor could not
    have given it — roles they may grant, a jurisdiction and a unit inside the actor's jurisdiction."""
    if not (actor.is_authenticated and actor.is_active) or account.pk == actor.pk:
        return False
    if actor.is_superuser:
        return True
    if not actor.has_perm("accounts.change_user") or account.is_superuser or account.is_staff:
        return False
    if account.jurisdiction_id and not _inside(actor, account.jurisdiction_id):
        return False
    if account.unit_id and not _inside(actor, account.unit.region_id):
        return False
    if not (account.jurisdiction_id or account.unit_id):
        return False  # nobody's account: no unit or jurisdiction places it in the actor's
    allowed = {role.value for role in grantable_roles(actor)}
    return set(account.groups.values_list("name", flat=True)) <= allowed


def _new_id(value):
    return getattr(value, "pk", value)


def _power_changes(account: User, changes: dict) -> dict:
    """The fields whose value would change, each as (before, after) of its stored value (ids for a unit or region)."""
    changed = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not a field user_update changes")
        field = User._meta.get_field(name)
        before = getattr(account, field.attname)
        after = _new_id(value)
        if before != after:
            changed[name] = (before, after)
    return changed


def check_user_change(
    actor: User, account: User, changes: dict, *, roles: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None, reset_two_factor: bool = False,
) -> set[str]:
    """Raise PermissionDenied (or ValidationError) if the actor may not make these changes to the account;
    else return the names of the powers they change, which need the actor's password again."""
    changed = _power_changes(account, changes)
    powers = {name for name in changed if name in POWER_FIELDS}
    current_roles = set(account.groups.values_list("pk", flat=True))
    wanted_roles = None if roles is None else {group.pk for group in roles}
    if wanted_roles is not None and wanted_roles != current_roles:
        powers.add("groups")
    if permissions is not None and {p.pk for p in permissions} != set(account.user_permissions.values_list("pk", flat=True)):
        powers.add("user_permissions")
    if reset_two_factor:
        powers.add("two_factor")
    if account.pk == actor.pk:
        if powers:
            raise PermissionDenied(_("Nobody changes their own roles, unit, jurisdiction, status or two-factor login: ask another administrator."))
        return powers
    if not changed and not powers:
        return powers
    if not can_manage_account(actor, account):
        raise PermissionDenied(_("Only a system administrator may change this account: it holds powers you cannot grant."))
    if actor.is_superuser:
        return powers
    if powers & {*SUPERUSER_ONLY_FIELDS, "user_permissions"}:
        raise PermissionDenied(_("Only a system administrator makes staff or system administrators, or gives single permissions."))
    if "groups" in powers:
        allowed = set(grantable_groups(actor).values_list("pk", flat=True))
        if not (wanted_roles ^ current_roles) <= allowed:
            names = "、".join(str(role.label) for role in sorted(grantable_roles(actor)))
            raise PermissionDenied(_("You may give or take away only roles you hold yourself: %(roles)s.") % {"roles": names or "—"})
    from .models import Region, Unit

    if "jurisdiction" in changed and changed["jurisdiction"][1] is not None and not _inside(actor, changed["jurisdiction"][1]):
        region = Region.objects.filter(pk=changed["jurisdiction"][1]).first()
        raise PermissionDenied(_("The jurisdiction %(name)s is not inside your own.") % {"name": region or changed["jurisdiction"][1]})
    if "unit" in changed and changed["unit"][1] is not None:
        unit = Unit.objects.filter(pk=changed["unit"][1]).first()
        if unit is None or not _inside(actor, unit.region_id):
            raise PermissionDenied(_("The unit %(name)s is outside your jurisdiction.") % {"name": unit or changed["unit"][1]})
    after_jurisdiction = changed.get("jurisdiction", (None, account.jurisdiction_id))[1]
    after_unit = changed.get("unit", (None, account.unit_id))[1]
    if not (after_jurisdiction or after_unit):
        raise ValidationError(_("An account needs a unit or a jurisdiction inside yours."))
    return powers


def check_user_create(actor: User, account: User) -> None:
    """Raise PermissionDenied if the actor may not create this (unsaved) account."""
    if not (actor.is_authenticated and actor.is_active and (actor.is_superuser or actor.has_perm("accounts.add_user"))):
        raise PermissionDenied(_("You may not create accounts."))
    if actor.is_superuser:
        return
    if account.is_superuser or account.is_staff:
        raise PermissionDenied(_("Only a system administrator makes staff or system administrators, or gives single permissions."))
    if account.jurisdiction_id and not _inside(actor, account.jurisdiction_id):
        raise PermissionDenied(_("The jurisdiction %(name)s is not inside your own.") % {"name": account.jurisdiction})
    if account.unit_id and not _inside(actor, account.unit.region_id):
        raise PermissionDenied(_("The unit %(name)s is outside your jurisdiction.") % {"name": account.unit})
    if not (account.jurisdiction_id or account.unit_id):
        raise ValidationError(_("An account needs a unit or a jurisdiction inside yours."))


def confirm_actor_password(actor: User, password: str) -> None:
    """The actor's own password, asked again before a change of powers: ValidationError if wrong or missing.
    Wrong ones are counted (and recorded): after WRONG_CONFIRMATIONS_ALLOWED in 15 minutes all are refused."""
    if blocked("admin-confirm", str(actor.pk), limit=WRONG_CONFIRMATIONS_ALLOWED):
        raise ValidationError(_("Too many wrong passwords: wait 15 minutes before changing powers again."), code="throttled")
    if not password:
        raise ValidationError(_("Enter your own password to confirm this change."), code="required")
    if not actor.check_password(password):
        allow("admin-confirm", str(actor.pk), limit=WRONG_CONFIRMATIONS_ALLOWED, window_seconds=WRONG_CONFIRMATIONS_WINDOW)
        audit.record(audit.Action.LOGIN_FAILED, actor=actor, summary=_("wrong password confirming a change of powers"))
        raise ValidationError(_("That is not your password."), code="wrong")


@transaction.atomic
def user_update(
    *, actor: User, user_id: int, changes: dict, roles: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None, reset_two_factor: bool = False, confirm_password: str = "",
) -> User:
    """Change an account's details and powers (`changes`: field → value, of EDITABLE_FIELDS; `roles` and
    `permissions`: the whole new set, None to leave them), checking the rules above. A change of powers needs
    the actor's password; the audit trail records it (roles and powers by audit.py's receivers)."""
    account = User.objects.select_for_update().get(pk=user_id)
    roles = None if roles is None else list(roles)
    permissions = None if permissions is None else list(permissions)
    powers = check_user_change(actor, account, changes, roles=roles, permissions=permissions, reset_two_factor=reset_two_factor)
    if powers:
        confirm_actor_password(actor, confirm_password)
    for name, value in changes.items():
        setattr(account, name, value)
    account.save()
    if roles is not None:
        account.groups.set(roles)
    if permissions is not None:
        account.user_permissions.set(permissions)
    if reset_two_factor:
        _reset_two_factor(actor, account)
    return account


@transaction.atomic
def user_create(*, actor: User, user: User, confirm_password: str = "") -> User:
    """Save a new account (unsaved, with its password set) made by an administrator, who confirms with their
    own password; its password must be changed at the first login."""
    check_user_create(actor, user)
    confirm_actor_password(actor, confirm_password)
    user.must_change_password = True  # a password an administrator chose is changed at the first login
    user.save()
    audit.record(audit.Action.CONFIGURATION, actor=actor, obj=user, summary=_("%(actor)s created the account %(user)s") % {
        "actor": actor.username, "user": user.username})
    return user


def check_password_set(actor: User, account: User) -> None:
    """Raise PermissionDenied unless the actor may set this account's password: their own, or one they manage."""
    if account.pk != actor.pk and not can_manage_account(actor, account):
        raise PermissionDenied(_("Only a system administrator may set this account's password."))


@transaction.atomic
def user_set_password(*, actor: User, user_id: int, password: str | None, confirm_password: str = "") -> User:
    """Set (or, with None, disable) an account's password. Another's password must be changed at their next
    login: whoever set it knows it."""
    account = User.objects.select_for_update().get(pk=user_id)
    check_password_set(actor, account)
    confirm_actor_password(actor, confirm_password)
    if password is None:
        account.set_unusable_password()
    else:
        password_validation.validate_password(password, account)
        account.set_password(password)
    account.must_change_password = account.pk != actor.pk
    account.save()
    audit.record(audit.Action.CONFIGURATION, actor=actor, obj=account, summary=_("%(actor)s set the password of %(user)s") % {
        "actor": actor.username, "user": account.username})
    return account


def two_factor_devices(account: User):
    """The account's authenticator apps (confirmed or half set up)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=account)


def _reset_two_factor(actor: User, account: User) -> int:
    from django_otp import devices_for_user

    devices = list(devices_for_user(account, confirmed=None))
    for device in devices:
        device.delete()
    audit.record(audit.Action.TWO_FACTOR, actor=actor, obj=account, summary=_("%(actor)s reset the two-factor login of %(user)s") % {
        "actor": actor.username, "user": account.username})
    return len(devices)


@transaction.atomic
def user_reset_two_factor(*, actor: User, user_id: int, confirm_password: str = "") -> int:
    """Remove an account's authenticator devices (a lost phone): its owner sets one up again at the next login."""
    account = User.objects.select_for_update().get(pk=user_id)
    check_user_change(actor, account, {}, reset_two_factor=True)
    confirm_actor_password(actor, confirm_password)
    return _reset_two_factor(actor, account)
