from celery import shared_task

from . import rollups
from .roster.runner import release_stale_imports, run_import


@shared_task
def run_roster_import(job_id: int) -> None:
    """Work one uploaded roster; a second message for the same job does nothing."""
    run_import(job_id)


@shared_task
def requeue_stale_imports() -> None:
    """Beat runs this every few minutes: a job whose worker died is queued again."""
    for job_id in release_stale_imports():
        run_roster_import.delay(job_id)


@shared_task
def refresh_dashboard_rollups(full: bool = False) -> dict:
    """Beat runs this every ROLLUP_REFRESH_SECONDS (the days touched since the last run) and nightly in full."""
    result = rollups.refresh(full=full)
    return {"days": result.days, "campaigns": result.campaigns, "village_days": result.village_days}
