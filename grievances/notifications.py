"""A person's own reminders and how they are told: the writes of the inbox and the notification settings.

Reminders and deliveries themselves are written by the sweep (grievances/reminders.py); here each person
changes only their own rows.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import NotificationPreference, Reminder


def reminders_mark_read(*, actor: User, pk: int | None = None, now: datetime.datetime | None = None) -> int:
    """Mark the actor's unread reminders read: the one with this id, or all of them. Another person's
    reminder is never touched, and one already read keeps its time. Returns how many were marked."""
    unread = Reminder.objects.filter(recipient=actor, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=now or timezone.now())


def notification_preference(user: User) -> NotificationPreference:
    """The user's choices; the defaults, unsaved, for someone who never chose (the sweep reads a missing
    row as those defaults too). Reads only: showing the settings writes nothing."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@transaction.atomic
def notification_preference_save(*, actor: User, email: bool, webhook: bool, daily_digest: bool, sms: bool = True) -> NotificationPreference:
    """Keep the actor's choices: their one row, created on the first save."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor, defaults={"email": email, "webhook": webhook, "sms": sms, "daily_digest": daily_digest},
    )
    return preference
