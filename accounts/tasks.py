from celery import shared_task

from . import audit


@shared_task
def prune_audit_trail() -> int:
    """Nightly: audit entries older than AUDIT_RETENTION_DAYS go; the only deletes the audit trigger allows."""
    return audit.prune()
