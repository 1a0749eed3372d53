from django import template

from dashboards.tables import Cell

register = template.Library()


@register.filter
def percent(value) -> str:
    """A share as the dashboards show it: 83.4%, or — when nothing is counted yet."""
    return Cell(value, percent=True).text
