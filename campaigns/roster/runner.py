"""Runs one ImportJob: read, check every row, then write everything in one transaction or nothing."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit

from ..models import CampaignEvent, ImportJob
from .files import FileProblem, read_table
from .kinds import KINDS, WriteConflict

log = logging.getLogger(__name__)

PROGRESS_EVERY = 2000


def _finish(job: ImportJob, status: str, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.status = status
    job.finished_at = timezone.now()
    # The upload holds ID numbers in plain text: once read, it is not kept (PIPL).
    job.file.delete(save=False)
    job.save()


# A job claimed longer ago than this is taken to have lost its worker (a 100k-row file takes under a minute).
STALE_AFTER = timedelta(minutes=15)


def run_import(job_id: int) -> None:
    # Claim the job: only one worker moves it from pending; a duplicate message finds it taken.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.VALIDATING, claimed_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("uploaded_by", "campaign").get(pk=job_id)
    try:
        _run(job)
    except Exception:
        log.exception("roster import %s failed", job.pk)
        _finish(job, ImportJob.Status.FAILED, errors=[{"row": "", "column": "", "message": _("An unexpected error stopped the import; nothing was imported. The administrators have been told.")}])


def _run(job: ImportJob) -> None:
    roster = KINDS[job.kind](job)
    try:
        header, rows = read_table(job.file.path)
    except FileProblem as problem:
        _finish(job, ImportJob.Status.REJECTED, errors=[{"row": "", "column": "", "message": str(problem)}])
        return
    problem = roster.header_problem(header)
    if problem is None and not rows:
        problem = _("The file has a header row but no data rows.")
    if problem:
        _finish(job, ImportJob.Status.REJECTED, errors=[{"row": 1, "column": "", "message": problem}])
        return

    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(rows))
    job.total_rows = len(rows)
    dict_rows = list(roster.rows_as_dicts(header, rows))
    roster.prepare(dict_rows)
    records = []
    for index, (number, row) in enumerate(dict_rows, start=1):
        record = roster.check(number, row)
        if record is not None:
            records.append(record)
        if index % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=index)
    if roster.problems:
        _finish(job, ImportJob.Status.REJECTED, processed_rows=len(rows), errors=list(roster.problems))
        return

    ImportJob.objects.filter(pk=job.pk).update(processed_rows=len(rows), status=ImportJob.Status.WRITING)
    try:
        with transaction.atomic():
            _write(job, roster, records, len(rows))
    except (ValidationError, PermissionDenied, WriteConflict) as refusal:
        message = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        message = message or _("You may no longer change this campaign.")
        _finish(job, ImportJob.Status.REJECTED, errors=[{"row": "", "column": "", "message": message}])


def _write(job: ImportJob, roster, records: list, total: int) -> None:
    from ..services import lock_campaign

    if job.campaign_id:
        lock_campaign(job.uploaded_by, job.campaign_id)  # still open, and the uploader still manages it
    created, changed = roster.write(records)
    if job.campaign_id:
        CampaignEvent.objects.create(
            campaign=job.campaign, actor=job.uploaded_by, action=CampaignEvent.Action.IMPORTED,
            summary=_("Imported %(kind)s from %(file)s: %(created)s new, %(changed)s updated")
            % {"kind": job.get_kind_display(), "file": job.original_name, "created": created, "changed": changed},
            changes={"import": job.pk},
        )
    audit.record(audit.Action.IMPORT, actor=job.uploaded_by, obj=job,
                 summary=f"{job.get_kind_display()} {job.original_name}: +{created} ~{changed}", rows=total, created=created, changed=changed)
    _finish(job, ImportJob.Status.DONE, processed_rows=total, created_count=created, updated_count=changed)


def release_stale_imports(now=None) -> list[int]:
    """Put jobs whose worker died back in the queue. Safe: writing is one transaction, so a
    crashed job wrote nothing, and its file is deleted only when it finishes."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = list(ImportJob.objects.filter(status__in=ImportJob.RUNNING, claimed_at__lt=cutoff).values_list("pk", flat=True))
    ImportJob.objects.filter(pk__in=stale, status__in=ImportJob.RUNNING).update(status=ImportJob.Status.PENDING, processed_rows=0)
    return stale
