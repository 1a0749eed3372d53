"""Password rules for 等保 assessors and OWASP alike: Django's length, common-password and similarity
checks (settings.AUTH_PASSWORD_VALIDATORS), three of the four character classes, and an optional expiry."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = [re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]")]


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, capitals, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if sum(bool(pattern.search(password)) for pattern in CLASSES) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("Use at least %(count)d of these: lower-case letters, capital letters, digits, other characters.") % {
            "count": self.min_classes
        }


def password_expired(user, now: datetime.datetime | None = None) -> bool:
    """With PASSWORD_MAX_AGE_DAYS set, a password older than that must be changed (never-changed counts from joining)."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > datetime.timedelta(days=days)
