from django import template

from core import numbers, pii
from grievances.models import CaseEvent

register = template.Library()
register.filter("percent", numbers.percent)  # {{ rates.resolution|percent }}: 83.4%, or — when nothing is counted yet
register.filter("masked_phone", pii.mask_phone)  # {{ case.petitioner_phone|masked_phone }}: 138****5678


@register.filter
def absolute(value):
    """|absolute: days overdue from a negative "days left"."""
    return abs(value) if value is not None else value


@register.filter
def move_label(action: str) -> str:
    """The Chinese name of a timeline entry: its CaseEvent.Action label (a move's is its button's)."""
    return str(CaseEvent.Action(action).label) if action in CaseEvent.Action.values else action
