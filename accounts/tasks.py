from celery import shared_task

from . import audit


@shared_task
def prune_audit_trail() -> int:
    """Nightly: audit entries older than AUDIT_RETENTION_DAYS go; the only deletes the audit trigger allows."""
    return audit.prune()


@shared_task
def clear_expired_sessions() -> None:
    """Nightly: sessions live in the database and nothing else removes the expired ones
    (Django's `clearsessions`), so the table would grow by every login for ever."""
    from django.contrib.sessions.backends.db import SessionStore

    SessionStore.clear_expired()
