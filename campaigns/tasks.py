import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from . import rollups
from .roster.runner import note_queued, release_stale_imports, run_import

log = logging.getLogger(__name__)


# Acknowledged only when done, and given back to the queue when the worker process running it dies (the
# pool sees it go) or the whole worker does (Redis hands the message out again after the broker's
# visibility_timeout, outreach/settings.py): the job comes back by itself. Safe to receive twice: the job
# is claimed in the database, and a copy that arrives while the first still runs does nothing.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_roster_import(self, job_id: int) -> None:
    """Work one uploaded roster; a second message for the same job does nothing."""
    run_import(job_id, redelivered=bool((self.request.delivery_info or {}).get("redelivered")))


def enqueue_import(job_id: int) -> bool:
    """Send the job to the imports queue; False, and a warning, when the broker cannot be reached: the job
    stays pending and the sweep below sends it once the broker is back."""
    try:
        run_roster_import.delay(job_id)
    except OperationalError as error:
        log.warning("could not queue roster import %s (%s): the import sweep will queue it", job_id, error)
        return False
    note_queued(job_id)
    return True


@shared_task
def requeue_stale_imports() -> None:
    """Beat runs this every IMPORT_SWEEP_SECONDS: a job whose worker died, and one the broker never got
    (it was down at upload) or lost, is queued again."""
    for job_id in release_stale_imports():
        enqueue_import(job_id)


@shared_task
def refresh_dashboard_rollups(full: bool = False) -> dict:
    """Beat runs this every ROLLUP_REFRESH_SECONDS (the days touched since the last run) and nightly in full."""
    result = rollups.refresh(full=full)
    return {"days": result.days, "campaigns": result.campaigns, "village_days": result.village_days}
