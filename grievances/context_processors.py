from accounts.roles import Role

from .models import Reminder

REMINDED_ROLES = {Role.HANDLER, Role.LEADER, Role.SUPERVISOR}


def reminders(request):
    """The bell's unread count, for the people reminders go to (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.roles & REMINDED_ROLES):
        return {}
    return {"unread_reminders": Reminder.objects.filter(recipient=user, read_at__isnull=True).count()}
