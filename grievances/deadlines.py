"""Legal time limits of a case, computed from its dates and its category — never typed in.

Defaults are those of the 《信访工作条例》(2022); each category may change its figures in the admin.
Working days follow the State Council's holiday schedule as entered in the holiday calendar
(`CalendarDay`, admin → 节假日安排): holidays and make-up working days (调休). A year not yet entered
is counted Monday to Friday and the limit is marked provisional until it is (grievances/holidays.py).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay

# Where each limit comes from, shown beside the date.
ARTICLES = {
    "accept": _("Regulations on Petition Work, arts. 22–23: forward or assign and reply in writing within 15 days"),
    "objection": _("Art. 23: a body that finds the matter outside its remit says so within 5 working days"),
    "resolve": _("Art. 34: resolve within 60 days of acceptance; one extension of at most 30 days"),
    "review": _("Art. 35: review (复查) requested within 30 days of the reply, answered within 30 days"),
    "re_review": _("Art. 36: re-review (复核) requested within 30 days of the review answer, answered within 30 days"),
}


@dataclass(frozen=True)
class Limit:
    due: datetime.date
    provisional: bool  # counted Monday to Friday over a year whose holiday schedule is not yet entered


class WorkingCalendar:
    """The holiday calendar as one read: the days that break the Monday-to-Friday rule, and the years known."""

    def __init__(self, exceptions: dict[datetime.date, bool]):
        self.exceptions = exceptions  # day → is a working day
        self.known_years = {day.year for day in exceptions}

    @classmethod
    def load(cls) -> "WorkingCalendar":
        rows = CalendarDay.objects.values_list("day", "kind")
        return cls({day: kind == CalendarDay.Kind.WORKDAY for day, kind in rows})

    def is_working_day(self, day: datetime.date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def add_working_days(self, start: datetime.date, days: int) -> Limit:
        """The date `days` working days after `start` (the start day itself not counted)."""
        day, remaining, provisional = start, days, False
        while remaining > 0:
            day += datetime.timedelta(days=1)
            provisional = provisional or day.year not in self.known_years
            if self.is_working_day(day):
                remaining -= 1
        return Limit(day, provisional)


def missing_years(today: datetime.date | None = None) -> list[int]:
    """Years whose holiday schedule is due but not entered: this year, and from 1 November the next (one query)."""
    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1] if today.month >= 11 else [today.year]
    known = {d.year for d in CalendarDay.objects.filter(day__year__in=wanted).dates("day", "year")}
    return [year for year in wanted if year not in known]


def is_working_day(day: datetime.date, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or WorkingCalendar.load()).is_working_day(day)


def add_working_days(start: datetime.date, days: int, calendar: WorkingCalendar | None = None) -> Limit:
    return (calendar or WorkingCalendar.load()).add_working_days(start, days)


def days_left(due: datetime.date | None, today: datetime.date) -> int | None:
    """Positive: days left; zero: due today; negative: days overdue."""
    return None if due is None else (due - today).days


def readiness_note() -> str:
    """For /readyz (settings.READINESS_NOTES): which years' holiday schedules are due but missing."""
    missing = missing_years()
    return f"no holiday schedule for {', '.join(map(str, missing))}: working days counted Monday to Friday" if missing else ""
