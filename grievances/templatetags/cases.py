from django import template
from django.utils.translation import gettext as _

from grievances.workflow import MOVES

register = template.Library()


@register.filter
def absolute(value):
    """|absolute: days overdue from a negative "days left"."""
    return abs(value) if value is not None else value


@register.filter
def move_label(action: str) -> str:
    """The Chinese name of a timeline entry."""
    if action in MOVES:
        return str(MOVES[action].label)
    return {"register": _("Registered"), "request_review": _("Review requested"),
            "recompute_limits": _("Time limit recounted")}.get(action, action)
