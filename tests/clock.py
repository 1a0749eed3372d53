"""The suite's frozen "now": every test runs at this instant (time-machine, ticking from it), so no
test depends on the day it runs. `TEST_NOW=2030-06-30` (a date, or an ISO date and time, Asia/Shanghai)
runs the suite on another day; `make test-dates` runs the date-sensitive modules on several.

Tests build their dates from these names, never from literals that are "now" on some day."""

import datetime
import os
import zoneinfo

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = datetime.timedelta(days=1)


def _frozen_now() -> datetime.datetime:
    text = os.environ.get("TEST_NOW", "2026-11-23T09:00")
    value = datetime.datetime.fromisoformat(text if "T" in text or " " in text else f"{text}T09:00")
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


NOW = _frozen_now()
TODAY = NOW.astimezone(SHANGHAI).date()


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """An aware instant on `day` in Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def days_ago(n: int) -> datetime.datetime:
    return NOW - n * DAY
