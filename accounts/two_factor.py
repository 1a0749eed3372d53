"""Two-factor login (等保 2.0 level 3: two factors, one of them cryptographic) for administrators
and supervisors: a TOTP authenticator app (django-otp), set up at the first login after this is on."""

from django.conf import settings

from .roles import Role

ROLES_NEEDING_TWO_FACTORS = frozenset({Role.SUPERVISOR, Role.CAMPAIGN_ADMIN})
WRONG_CODES_ALLOWED = 5  # per 15 minutes, then the code page refuses until the window passes
WRONG_CODES_WINDOW = 15 * 60


def required_for(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and (user.is_staff or user.is_superuser or bool(user.roles & ROLES_NEEDING_TWO_FACTORS))


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
