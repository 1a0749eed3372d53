from accounts.models import Unit
from accounts.roles import Role

from . import deadlines
from .models import Reminder

REMINDED_ROLES = {Role.HANDLER, Role.LEADER, Role.SUPERVISOR}


def reminders(request):
    """The bell's unread count, for the people reminders go to (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.roles & REMINDED_ROLES):
        return {}
    return {"unread_reminders": Reminder.objects.filter(recipient=user, read_at__isnull=True).count()}


def holiday_calendar(request):
    """The petition office and system administrators are told when a year's holiday schedule is missing
    (one query, for them only): working-day limits are then counted Monday to Friday."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    petition_office = user.has_role(Role.HANDLER) and user.unit_id and user.unit.kind == Unit.Kind.PETITION_OFFICE
    if not (user.is_superuser or petition_office):
        return {}
    return {"missing_holiday_years": deadlines.missing_years()}
