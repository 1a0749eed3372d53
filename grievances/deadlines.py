"""Legal time limits of a case, computed from its dates and its category — never typed in.

Defaults are those of the 《信访工作条例》(2022); each category may change its figures in the admin.
"""

import datetime
import logging

import chinese_calendar
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# Where each limit comes from, shown beside the date.
ARTICLES = {
    "accept": _("Regulations on Petition Work, arts. 22–23: forward or assign and reply in writing within 15 days"),
    "objection": _("Art. 23: a body that finds the matter outside its remit says so within 5 working days"),
    "resolve": _("Art. 34: resolve within 60 days of acceptance; one extension of at most 30 days"),
    "review": _("Art. 35: review (复查) requested within 30 days of the reply, answered within 30 days"),
    "re_review": _("Art. 36: re-review (复核) requested within 30 days of the review answer, answered within 30 days"),
}


def is_working_day(day: datetime.date) -> bool:
    """Chinese working day, counting 调休 make-up days; outside the calendar's years, Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no holiday calendar for %s: counting Monday to Friday as working days", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the start day itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def days_left(due: datetime.date | None, today: datetime.date) -> int | None:
    """Positive: days left; zero: due today; negative: days overdue."""
    return None if due is None else (due - today).days
