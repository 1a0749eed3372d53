"""Beat's scheduler: django-celery-beat's, with two additions.

- Settings never overwrite what admins changed in the schedule.
- Exactly one beat sends at a time. On PostgreSQL each beat process asks for a session-level advisory
  lock on its own connection before it sends anything; a second beat (started by mistake, or a standby
  on another host) waits for the lock and takes over when the first one's connection ends. A beat
  that loses its connection stops, so that it cannot send beside the one that took over; systemd or
  compose starts it again, and it waits its turn. (Duplicate sends would still not double anything:
  reminders are unique in the database and deliveries are claimed one by one. The lock keeps the
  queues free of the extra work.)
"""

import logging
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from .models import Heartbeat

log = logging.getLogger(__name__)

BEAT_LOCK_KEY = 4_826_197_302  # any constant bigint, the same in every beat process
STANDBY_POLL_SECONDS = 5


class BeatLock:
    """A PostgreSQL advisory lock held by this process's own connection for as long as it lives."""

    def __init__(self):
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        # Keepalives and a TCP timeout: on a silent network partition the lock's session must be seen
        # gone within a minute on both sides, not after the kernel's two hours.
        self.connection = psycopg.connect(
            **params, autocommit=True, application_name="outreach-beat-lock", connect_timeout=10,
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3, tcp_user_timeout=30_000,
        )

    def try_acquire(self) -> bool:
        return self.connection.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()[0]

    def still_held(self) -> bool:
        try:
            self.connection.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and with it the lock, is gone
            return False


_held: BeatLock | None = None
_standing_by = False


def hold_the_beat_lock() -> None:
    """Called as beat's scheduler is set up, before it reads or writes the schedule: returns once this
    process holds the lock, waiting while another beat holds it."""
    global _held, _standing_by
    if _held is not None or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return  # already ours; or the demo's SQLite: one machine, one `make run`
    if _standing_by:
        # Celery's SIGTERM handler asks for the scheduler, which is still being set up here: stop.
        raise SystemExit(0)
    lock = BeatLock()
    if not lock.try_acquire():
        log.warning("Another beat holds the beat lock: standing by until it stops.")
        _standing_by = True
        try:
            while not lock.try_acquire():
                time.sleep(STANDBY_POLL_SECONDS)
        finally:
            _standing_by = False
    log.info("Holding the beat lock: this process sends the schedule.")
    _held = lock


class Scheduler(DatabaseScheduler):
    """The settings' CELERY_BEAT_SCHEDULE is installed for entries the database does not have yet;
    an entry an admin edited (interval, enabled) keeps its edits across restarts."""

    _stamped_at = 0.0

    def setup_schedule(self):
        # A standby must not load the schedule before it takes over: what ran meanwhile would look due.
        hold_the_beat_lock()
        super().setup_schedule()

    def tick(self, *args, **kwargs):
        if _held is not None and not _held.still_held():
            # Celery ends beat quietly (exit status 0) on SystemExit: the units restart it whatever the status.
            log.error("Lost the database connection that holds the beat lock: stopping so that only one beat sends.")
            raise SystemExit(1)
        self.stamp_heartbeat()
        return super().tick(*args, **kwargs)

    def stamp_heartbeat(self) -> None:
        """/readyz asks whether beat is alive. django-celery-beat writes an entry's last run to the
        database only every few minutes, so beat stamps its own heartbeat row as it ticks."""
        if time.monotonic() - self._stamped_at >= settings.HEARTBEAT_SECONDS / 2:
            Heartbeat.objects.update_or_create(name=Heartbeat.BEAT, defaults={"last_seen": timezone.now()})
            self._stamped_at = time.monotonic()

    def update_from_dict(self, mapping):
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})
