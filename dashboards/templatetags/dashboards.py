from django import template

from core import numbers

register = template.Library()
register.filter("percent", numbers.percent)  # {{ rate|percent }}: 83.4%, or — when nothing is counted yet
