"""Roster import jobs, from the upload to their end: start, queue, claim, check every row, then write
everything in one transaction or nothing.

The upload (roster_import_start) stores the file and queues the job once its row is committed. A worker
claims a job in the database (pending → checking, one attempt more) and renews its lease while it works.
A job whose lease has lapsed lost its worker: the next message for it (the broker handing the task out
again, or the sweep's) claims it again and starts from the first row. Only the latest attempt may change
or finish the job. And a job never writes over newer data: one superseded by a later upload of the same
roster, or whose rows were changed after its upload, ends void and writes nothing. The file is read and
its rows checked by campaigns/roster/; what they prepared is written by roster.py.
"""

import logging
import threading
import time
from datetime import timedelta

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from accounts import audit
from accounts.models import User

from ..models import Campaign, CampaignEvent, Household, ImportJob
from ..models.roster import lease
from ..roster.files import FileProblem, read_table
from ..roster.kinds import KINDS
from ..rules import lock_campaign
from .roster import WriteConflict, roster_write

log = logging.getLogger(__name__)

PROGRESS_EVERY = 2000
# Sent by its name: campaigns/tasks.py wraps these services, and importing it here would close a circle.
IMPORT_TASK = "campaigns.tasks.run_roster_import"
# The upload queues its job right after its commit: one still unqueued after this is one whose enqueue failed.
NEVER_QUEUED_AFTER = timedelta(seconds=10)
# A queued job no worker has claimed after this: its message was lost (say, Redis restarted empty).
UNCLAIMED_AFTER = timedelta(minutes=1)
CHANGED_ROWS_LISTED = 50
# A job whose worker keeps dying (a file too large for its memory, say) is given up after this many starts,
# rather than handed from worker to worker for ever.
MAX_ATTEMPTS = 3


class LostClaim(Exception):
    """Another attempt has the job now (this worker was silent too long): this one stops and writes nothing."""


class Void(Exception):
    """The job must not write: the problems say why."""

    def __init__(self, problems: list[dict]):
        super().__init__(problems[0]["message"])
        self.problems = problems


def renew_every() -> float:
    return max(1.0, lease().total_seconds() / 6)


def _lapsed(now) -> Q:
    cutoff = now - lease()
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, claimed_at__lt=cutoff) | Q(heartbeat_at__isnull=True, claimed_at__isnull=True)


@transaction.atomic
def roster_import_start(*, actor: User, kind: str, upload, campaign: Campaign | None = None) -> ImportJob:
    """Store the uploaded file and queue its import once the job row is committed. The upload stands even
    when the broker cannot be reached then: the job stays pending, its page says so, and the import sweep
    queues it once the broker is back."""
    if not (actor.is_superuser or actor.has_perm("campaigns.add_importjob")):
        raise PermissionDenied(_("You may not import rosters."))
    if campaign is not None:
        campaign = lock_campaign(actor, campaign.pk)
    job = ImportJob.objects.create(kind=kind, campaign=campaign, file=upload, original_name=upload.name[:255], uploaded_by=actor)
    transaction.on_commit(lambda: roster_import_enqueue(job.pk))
    return job


def roster_import_enqueue(job_id: int) -> bool:
    """Send the job to the imports queue; False, and a warning, when the broker cannot be reached: the job
    stays pending and the import sweep (release_stale_imports) sends it once the broker is back."""
    try:
        # As run_roster_import.delay(job_id) would: routed to the imports queue by settings.CELERY_TASK_ROUTES.
        current_app.send_task(IMPORT_TASK, args=[job_id], ignore_result=True)
    except OperationalError as error:
        log.warning("could not queue roster import %s (%s): the import sweep will queue it", job_id, error)
        return False
    note_queued(job_id)
    return True


def note_queued(job_id: int) -> None:
    """The broker has the job's message (the import page stops saying the queue could not be reached)."""
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(queued_at=timezone.now())


def claim(job_id: int, now=None) -> int | None:
    """Take a pending job, or a running one whose worker was lost; the attempt number, or None if it is not to be had."""
    now = now or timezone.now()
    claimable = Q(status=ImportJob.Status.PENDING) | (Q(status__in=ImportJob.RUNNING) & _lapsed(now))
    taken = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.VALIDATING, claimed_at=now, heartbeat_at=now, attempts=F("attempts") + 1, processed_rows=0
    )
    return ImportJob.objects.values_list("attempts", flat=True).get(pk=job_id) if taken else None


def _claim_once_lapsed(job_id: int) -> int | None:
    """A message handed out again (its worker process died, or it was out longer than the broker's visibility
    timeout) may find the job still held. Wait while the lease runs out — a dead worker never renews it —
    and take the job then; a renewal shows the holder alive, and this copy does nothing."""
    deadline = time.monotonic() + lease().total_seconds() + 2 * renew_every()
    first_seen = None
    while time.monotonic() < deadline:
        row = ImportJob.objects.filter(pk=job_id).values("status", "heartbeat_at", "claimed_at").first()
        if row is None or row["status"] not in ImportJob.RUNNING:
            return claim(job_id) if row else None
        seen = row["heartbeat_at"] or row["claimed_at"]
        if first_seen is None:
            first_seen = seen
        elif seen != first_seen:
            return None
        attempt = claim(job_id)
        if attempt is not None:
            return attempt
        time.sleep(1)
    return None


class Lease:
    """While a job is worked, a thread of its own (with its own database connection) renews the job's
    lease, so that a long read of the file or a long write does not look like a lost worker."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"roster-import-{job_id}-lease", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        try:
            while not self._stop.wait(renew_every()):
                try:
                    ImportJob.objects.filter(pk=self.job_id, attempts=self.attempt, status__in=ImportJob.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    log.warning("roster import %s: its lease could not be renewed this time", self.job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own


def run_import(job_id: int, *, redelivered: bool = False) -> None:
    attempt = claim(job_id)
    if attempt is None and redelivered:
        attempt = _claim_once_lapsed(job_id)
    if attempt is None:
        return  # taken, finished, or held by a worker that is alive: a duplicate message does nothing
    job = ImportJob.objects.select_related("uploaded_by", "campaign").get(pk=job_id)
    if attempt > MAX_ATTEMPTS:
        log.error("roster import %s: its worker was lost %s times; given up", job.pk, attempt - 1)
        _end(job, attempt, ImportJob.Status.FAILED, errors=[{"row": "", "column": "", "message": _(
            "The import was interrupted %(count)s times, each time its worker stopped: nothing was imported. If the file is very large, split it and upload the parts."
        ) % {"count": attempt - 1}}])
        return
    if attempt > 1:
        log.warning("roster import %s: its worker was lost; starting again (attempt %s)", job.pk, attempt)
    with Lease(job.pk, attempt):
        try:
            _run(job, attempt)
        except LostClaim:
            log.warning("roster import %s: attempt %s was taken over by another worker and stops", job.pk, attempt)
        except Exception:
            log.exception("roster import %s failed", job.pk)
            try:
                _end(job, attempt, ImportJob.Status.FAILED, errors=[{"row": "", "column": "", "message": _("An unexpected error stopped the import; nothing was imported. The administrators have been told.")}])
            except LostClaim:
                pass


def _progress(job: ImportJob, attempt: int, **fields) -> None:
    if not ImportJob.objects.filter(pk=job.pk, attempts=attempt, status__in=ImportJob.RUNNING).update(**fields):
        raise LostClaim
    for name, value in fields.items():
        setattr(job, name, value)


def _finish(job: ImportJob, attempt: int, status: str, **fields) -> None:
    _progress(job, attempt, status=status, finished_at=timezone.now(), **fields)


def _drop_upload(job: ImportJob) -> None:
    """The upload holds ID numbers in plain text: once the job has ended, however it ended, it is not kept
    (PIPL). The file goes first and the reference to it after, so that a crash in between leaves a
    reference the sweep finds (release_stale_imports)."""
    if job.file.name:
        job.file.storage.delete(job.file.name)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file.name = ""


def _end(job: ImportJob, attempt: int, status: str, **fields) -> None:
    _finish(job, attempt, status, **fields)
    _drop_upload(job)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _superseded(job: ImportJob, attempt: int) -> list[dict]:
    """An import that was interrupted and starts again (attempt 2 or later) gives way to a later upload of
    the same roster (its kind, for the same campaign, or by the same person when it belongs to none) that
    was not refused: the later file is what was meant, and this one must not write over it. A first attempt
    runs in upload order and is never superseded, so files uploaded one after another (village 1's, then
    village 2's) both import."""
    if attempt == 1:
        return []
    refused = [ImportJob.Status.REJECTED, ImportJob.Status.FAILED, ImportJob.Status.VOID]
    later = ImportJob.objects.filter(kind=job.kind, campaign_id=job.campaign_id, pk__gt=job.pk).exclude(status__in=refused)
    if job.campaign_id is None:
        later = later.filter(uploaded_by_id=job.uploaded_by_id)
    newer = later.order_by("pk").values("original_name", "created_at").first()
    if newer is None:
        return []
    return [{"row": "", "column": "", "message": _(
        "Superseded by %(file)s, uploaded at %(time)s after this file: nothing of this file was imported, so that it cannot overwrite the later one."
    ) % {"file": newer["original_name"], "time": _when(newer["created_at"])}}]


def _changed_since_upload(job: ImportJob, roster, records: list, numbers: list[int]) -> list[dict]:
    """Rows of the file whose household was changed after the upload in what the file would write (an edit
    by hand, say): locked until this write commits, so that no change slips in between the check and the write."""
    if job.kind != ImportJob.Kind.HOUSEHOLDS or not records:
        return []
    wanted = {(h.village_id, h.number): (h, number) for h, number in zip(records, numbers, strict=True)}
    stored = (Household.objects.select_for_update().filter(village_id__in={village for village, _n in wanted})
              .order_by("pk").values_list("village_id", "number", "updated_at", "head_name", "id_number_hash", "phone", "members", "address"))
    changed = []
    for village, number, updated_at, *values in stored:
        record, row = wanted.get((village, number), (None, None))
        if record is None or updated_at <= job.created_at:
            continue
        if values != [record.head_name, record.id_number_hash, record.phone, record.members, record.address]:
            changed.append((row, number, village, updated_at))
    if not changed:
        return []
    changed.sort()
    problems = [{"row": "", "column": "", "message": _(
        "%(count)s households in this file were changed in the system after it was uploaded: nothing was imported, so that those changes are kept. Check the rows below and upload the file again if it should still apply."
    ) % {"count": len(changed)}}]
    column = roster.label("number")
    for row, number, village, updated_at in changed[:CHANGED_ROWS_LISTED]:
        problems.append({"row": row, "column": column, "message": _(
            "Household %(number)s of village %(village)s was changed at %(time)s, after the upload."
        ) % {"number": number, "village": village, "time": _when(updated_at)}})
    return problems


def _run(job: ImportJob, attempt: int) -> None:
    superseded = _superseded(job, attempt)
    if superseded:
        _end(job, attempt, ImportJob.Status.VOID, errors=superseded)
        return
    roster = KINDS[job.kind](job)
    try:
        header, rows = read_table(job.file.path)
    except FileProblem as problem:
        _end(job, attempt, ImportJob.Status.REJECTED, errors=[{"row": "", "column": "", "message": str(problem)}])
        return
    problem = roster.header_problem(header)
    if problem is None and not rows:
        problem = _("The file has a header row but no data rows.")
    if problem:
        _end(job, attempt, ImportJob.Status.REJECTED, errors=[{"row": 1, "column": "", "message": problem}])
        return

    _progress(job, attempt, total_rows=len(rows))
    dict_rows = list(roster.rows_as_dicts(header, rows))
    roster.prepare(dict_rows)
    records, numbers = [], []
    for index, (number, row) in enumerate(dict_rows, start=1):
        record = roster.check(number, row)
        if record is not None:
            records.append(record)
            numbers.append(number)
        if index % PROGRESS_EVERY == 0:
            _progress(job, attempt, processed_rows=index)
    if roster.problems:
        _end(job, attempt, ImportJob.Status.REJECTED, processed_rows=len(rows), errors=list(roster.problems))
        return

    _progress(job, attempt, processed_rows=len(rows), status=ImportJob.Status.WRITING)
    try:
        with transaction.atomic():
            _write(job, attempt, roster, records, numbers, len(rows))
    except Void as void:
        _end(job, attempt, ImportJob.Status.VOID, errors=void.problems)
    except (ValidationError, PermissionDenied, WriteConflict) as refusal:
        message = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        message = message or _("You may no longer change this campaign.")
        _end(job, attempt, ImportJob.Status.REJECTED, errors=[{"row": "", "column": "", "message": message}])
    else:
        _drop_upload(job)


def _write(job: ImportJob, attempt: int, roster, records: list, numbers: list[int], total: int) -> None:
    if job.campaign_id:
        lock_campaign(job.uploaded_by, job.campaign_id)  # still open, and the uploader still manages it
    # Checked again here, inside the write: a later upload may have come while the rows were checked.
    problems = _superseded(job, attempt) or _changed_since_upload(job, roster, records, numbers)
    if problems:
        raise Void(problems)
    created, changed = roster_write(roster, records)
    if job.campaign_id:
        CampaignEvent.objects.create(
            campaign=job.campaign, actor=job.uploaded_by, action=CampaignEvent.Action.IMPORTED,
            summary=_("Imported %(kind)s from %(file)s: %(created)s new, %(changed)s updated")
            % {"kind": job.get_kind_display(), "file": job.original_name, "created": created, "changed": changed},
            changes={"import": job.pk},
        )
    audit.record(audit.Action.IMPORT, actor=job.uploaded_by, obj=job,
                 summary=f"{job.get_kind_display()} {job.original_name}: +{created} ~{changed}", rows=total, created=created, changed=changed)
    # Last, and only if this attempt still holds the job (LostClaim rolls the whole write back otherwise).
    _finish(job, attempt, ImportJob.Status.DONE, processed_rows=total, created_count=created, updated_count=changed)


def release_stale_imports(now=None) -> list[int]:
    """The sweep (beat, every IMPORT_SWEEP_SECONDS): the jobs to queue again (roster_import_enqueue). A running job whose lease has
    lapsed lost its worker: it goes back to pending, and starts again from the first row (safe: writing is
    one transaction, so a lost worker wrote nothing, and the file is kept until the job ends). A pending job
    the broker never got (it was down at upload) or that no worker claimed for a minute is queued again.
    And the file of a job that ended is deleted, if a crash kept it."""
    now = now or timezone.now()
    for job in ImportJob.objects.filter(status__in=ImportJob.FINISHED).exclude(file=""):
        _drop_upload(job)
    lapsed = ImportJob.objects.filter(_lapsed(now), status__in=ImportJob.RUNNING)
    stale = set(lapsed.values_list("pk", flat=True))
    ImportJob.objects.filter(_lapsed(now), pk__in=stale, status__in=ImportJob.RUNNING).update(status=ImportJob.Status.PENDING, processed_rows=0)
    unqueued = Q(queued_at__isnull=True, created_at__lt=now - NEVER_QUEUED_AFTER) | Q(queued_at__lt=now - UNCLAIMED_AFTER)
    pending = set(ImportJob.objects.filter(unqueued, status=ImportJob.Status.PENDING).values_list("pk", flat=True))
    return sorted(stale | pending)
