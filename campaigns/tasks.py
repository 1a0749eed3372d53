"""Celery tasks: each takes ids and calls a service (campaigns/services/import_jobs.py for roster imports)."""

from celery import shared_task

from . import rollups
from .services import flags
from .services.import_jobs import release_stale_imports, roster_import_enqueue, run_import


# Acknowledged only when done, and given back to the queue when the worker process running it dies (the
# pool sees it go) or the whole worker does (Redis hands the message out again after the broker's
# visibility_timeout, outreach/settings.py): the job comes back by itself. Safe to receive twice: the job
# is claimed in the database, and a copy that arrives while the first still runs does nothing.
# Sent by its name (services/import_jobs.py, IMPORT_TASK): renaming it means changing that too.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_roster_import(self, job_id: int) -> None:
    """Work one uploaded roster; a second message for the same job does nothing."""
    run_import(job_id, redelivered=bool((self.request.delivery_info or {}).get("redelivered")))


@shared_task
def requeue_stale_imports() -> None:
    """Beat runs this every IMPORT_SWEEP_SECONDS: a job whose worker died, and one the broker never got
    (it was down at upload) or lost, is queued again."""
    for job_id in release_stale_imports():
        roster_import_enqueue(job_id)


@shared_task
def refresh_dashboard_rollups(full: bool = False) -> dict:
    """Beat runs this every ROLLUP_REFRESH_SECONDS (the days touched since the last run) and nightly in full."""
    result = rollups.refresh(full=full)
    return {"days": result.days, "campaigns": result.campaigns, "village_days": result.village_days}


# Sent by its name after each write (services/flags.py, CHECK_TASK). Safe to run twice: a flag is recorded once.
@shared_task(acks_late=True)
def check_flags(visits=(), check_ins=(), evaluations=()) -> int:
    """The fabrication rules over records just written."""
    return flags.flags_check_records(visits=visits, check_ins=check_ins, evaluations=evaluations)


@shared_task
def check_recent_case_flags() -> int:
    """Beat runs this every FLAG_CASE_SWEEP_SECONDS: the case rules over cases moved lately."""
    return flags.flags_check_recent_cases()


@shared_task
def check_all_flags() -> int:
    """Beat runs this nightly: every rule over what changed in the last two days."""
    return flags.flags_check_all()
