from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task
def heartbeat(name: str = "celery") -> None:
    """Stamp the heartbeat row; beat sends this every HEARTBEAT_SECONDS."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})
