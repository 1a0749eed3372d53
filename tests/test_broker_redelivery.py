"""The Redis broker hands a message out again once it has been unacknowledged for BROKER_VISIBILITY_TIMEOUT
(a minute, so a lost worker's roster import comes back soon: outreach/settings.py). That is safe only while
no task is sent for later (countdown, eta, a retry with a delay): such a message would be delivered again
every minute. This test fails the day one is added, so the broker settings are looked at again then."""

import re
from pathlib import Path

import pytest

from outreach.celery import app

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "campaigns", "grievances", "outreach"]
SENT_FOR_LATER = re.compile(r"\b(countdown|eta)\s*=|\.retry\(|autoretry_for|retry_backoff|default_retry_delay")


@pytest.mark.django_db  # loading the task modules reads the beat schedule
def test_no_task_is_sent_for_later_while_the_broker_redelivers_after_a_minute():
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if name.split(".")[0] in APPS]
    assert ours, "no project task found"
    assert not [task.name for task in ours if getattr(task, "autoretry_for", ())]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for name in APPS for path in (ROOT / name).rglob("*.py") if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1) if SENT_FOR_LATER.search(line)
    ]
    assert offenders == [], "a task sent for later meets the broker's one-minute redelivery: see outreach/settings.py"
