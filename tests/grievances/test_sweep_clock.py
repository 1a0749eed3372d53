"""The deadline sweep refuses to run on a clock implausibly ahead of PostgreSQL's: a worker whose clock ran 40 days
ahead once wrote hundreds of false "overdue" reminders, with deliveries dated 40 days on.

These tests keep the real clock (wall_clock), because the database's clock is real: time-machine moves only the app's."""

import datetime
import logging

import pytest
import time_machine
from django.utils import timezone

from grievances import reminders, services
from grievances.models import Case, Delivery, Reminder

pytestmark = [pytest.mark.django_db, pytest.mark.wall_clock]

DAY = datetime.timedelta(days=1)


@pytest.fixture
def running(assigned, handler, leader):
    """A case in progress with a handler and a 包案领导 who take e-mail."""
    handler.email, leader.email = "handler@example.gov.cn", "leader@example.gov.cn"
    handler.save(), leader.save()
    services.case_start(actor=handler, case_id=assigned.pk)
    return assigned


def resolve_due(case, day: datetime.date) -> None:
    Case.objects.filter(pk=case.pk).update(resolve_due=day)


def test_a_sweep_forty_days_ahead_of_the_database_writes_nothing_and_says_why(running, caplog):
    resolve_due(running, timezone.localdate() + 30 * DAY)  # forty days on, it would read ten days overdue
    with time_machine.travel(timezone.now() + 40 * DAY, tick=True), caplog.at_level(logging.ERROR, logger="grievances.reminders"):
        assert reminders.sweep() == 0
    assert not Reminder.objects.exists() and not Delivery.objects.exists()
    [refusal] = [record for record in caplog.records if record.name == "grievances.reminders"]
    assert refusal.levelno == logging.ERROR and "sweep refused" in refusal.getMessage() and "ahead of the database" in refusal.getMessage()
    assert 39 * 24 * 3600 < refusal.lead_seconds <= 40 * 24 * 3600 + 60


def test_an_explicit_now_far_ahead_is_refused_too(running):
    resolve_due(running, timezone.localdate() + 30 * DAY)
    assert reminders.sweep(now=timezone.now() + 40 * DAY) == 0
    assert not Reminder.objects.exists()


def test_a_clock_a_few_hours_ahead_still_sweeps(running):
    later = timezone.now() + datetime.timedelta(hours=3)
    resolve_due(running, timezone.localtime(later).date() + 3 * DAY)
    with time_machine.travel(later, tick=True):
        assert reminders.sweep() == 2  # the handler and the 包案领导, three days before
    assert Delivery.objects.count() == 2


def test_the_check_can_be_switched_off(settings, running):
    settings.REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS = 0
    resolve_due(running, timezone.localdate() + 30 * DAY)
    with time_machine.travel(timezone.now() + 40 * DAY, tick=True):
        assert reminders.sweep() == 2  # what every sweep did before the check: false "overdue" reminders
    assert set(Reminder.objects.values_list("threshold", flat=True)) == {Reminder.OVERDUE}
