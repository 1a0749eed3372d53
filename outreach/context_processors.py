"""What every page may show about the running system."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import Heartbeat


@dataclass(frozen=True)
class CeleryStatus:
    last_seen: datetime | None

    @property
    def running(self) -> bool:
        return Heartbeat.is_fresh(self.last_seen)


def celery_status() -> CeleryStatus:
    """The oldest of the queues' heartbeats: the home page warns administrators when any queue has no worker."""
    seen = Heartbeat.last_seen_of(settings.QUEUE_NAMES)
    return CeleryStatus(last_seen=min(seen.values()) if len(seen) == len(settings.QUEUE_NAMES) else None)


def celery(request):
    """`celery`: the status, read from the database only when a template shows it (the home page, to
    administrators)."""
    return {"celery": SimpleLazyObject(celery_status)}
