"""Two-factor login (等保 2.0 level 3: two factors, one of them cryptographic) for administrators
and supervisors: a TOTP authenticator app (django-otp), set up at the first login after this is on."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .roles import Role

ROLES_NEEDING_TWO_FACTORS = frozenset({Role.SUPERVISOR, Role.CAMPAIGN_ADMIN})
WRONG_CODES_ALLOWED = 5  # per 15 minutes, then the code page refuses until the window passes
WRONG_CODES_WINDOW = 15 * 60


def required_for(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and (user.is_staff or user.is_superuser or bool(user.roles & ROLES_NEEDING_TWO_FACTORS))


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrol(user, key: str, code: str):
    """Save the authenticator with this key if `code` is right for it, else nothing; the saved device.

    The code is checked by django-otp's own TOTPDevice.verify_token, which records the code's time step
    (last_t): the code typed at set-up can then not be used again, from this session or any other that
    has the password. A wrong code leaves nothing behind (the device and its throttle roll back)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one set-up at a time per account
        if confirmed_device(user) is not None:  # another session finished first
            return None
        TOTPDevice.objects.filter(user=user).delete()  # any half-made device of an older django-otp flow
        device = TOTPDevice.objects.create(user=user, name="authenticator", key=key, confirmed=True)
        if device.verify_token(code):
            return device
        transaction.set_rollback(True)
        return None


def active_account(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def prove_both_factors(username: str, password: str, code: str):
    """(account, device) when the password and a fresh code of the account's authenticator app are both
    right, else None. It checks the password itself rather than through authenticate(), whose lockout
    (django-axes) is what a person proving both factors is let past."""
    user = active_account(username)
    if user is None:
        get_user_model()().set_password(password)  # the same work as for a real account: the time tells nothing
        return None
    if not user.check_password(password):
        return None
    device = confirmed_device(user)
    if device is None or not device.verify_is_allowed()[0] or not device.verify_token(code):
        return None
    return user, device
