from django import template

from dashboards import tables

register = template.Library()
register.filter("percent", tables.percent)  # {{ rate|percent }}: 83.4%, or — when nothing is counted yet
