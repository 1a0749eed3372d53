from celery import shared_task

from .models import Heartbeat


@shared_task
def heartbeat(name: str = "default") -> None:
    """Stamp the heartbeat row; beat sends one to each queue every HEARTBEAT_SECONDS, named after it."""
    Heartbeat.stamp(name)
