from celery import shared_task

from . import reminders


@shared_task
def sweep_deadlines() -> int:
    """Beat: write the reminders due; then deliver them without waiting for the next dispatch."""
    created = reminders.sweep()
    if created:
        dispatch_deliveries.delay()
    return created


@shared_task(acks_late=True)
def dispatch_deliveries() -> int:
    """Beat and after each sweep. Safe to redeliver: deliveries are claimed one by one in the database."""
    return reminders.dispatch()


@shared_task
def send_daily_digests() -> int:
    """Beat, once a day: the digest for those who chose one instead of single e-mails."""
    return reminders.send_digests()
