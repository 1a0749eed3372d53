from celery import shared_task

from .roster.runner import run_import


@shared_task
def run_roster_import(job_id: int) -> None:
    """Work one uploaded roster; a second message for the same job does nothing."""
    run_import(job_id)
