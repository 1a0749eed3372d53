import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .campaign import Campaign


class PrivateUploadStorage(FileSystemStorage):
    """MEDIA_ROOT, but closed to everyone except the application's own user: roster files hold ID numbers
    in plain text. Each file is 0600 and its folder 0700, so not even the moment between the file being
    created and its mode being set leaves it readable (folders made before were 0755: they are closed too)."""

    def __init__(self, **kwargs):
        super().__init__(**{"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700, **kwargs})

    def _save(self, name, content):
        folder = Path(self.path(name)).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
        return super()._save(name, content)


def private_upload_storage() -> PrivateUploadStorage:
    return PrivateUploadStorage()


def lease() -> datetime.timedelta:
    """How long a running job's worker may stay silent before the job is taken to have lost it."""
    return datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


class ImportJobQuerySet(ScopedQuerySet):
    def visibility_conditions(self, user):
        return [models.Q(uploaded_by=user)]


class ImportJob(models.Model):
    """One uploaded roster file and what became of it; a Celery task works it (campaigns/services/import_jobs.py)."""

    class Kind(models.TextChoices):
        REGIONS = "regions", _("Regions")
        UNITS = "units", _("Units")
        CADRES = "cadres", _("Cadres")
        HOUSEHOLDS = "households", _("Households")
        ASSIGNMENTS = "assignments", _("Assignments")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        VALIDATING = "validating", _("Checking rows")
        WRITING = "writing", _("Saving")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected: nothing imported")
        FAILED = "failed", _("Failed: nothing imported")
        VOID = "void", _("Void")  # superseded by a later upload, or its rows changed since: nothing imported

    FINISHED = {Status.DONE, Status.REJECTED, Status.FAILED, Status.VOID}
    RUNNING = {Status.VALIDATING, Status.WRITING}

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=private_upload_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("problems"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When a message for it last reached the broker; empty while none has (the broker was down at upload).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # The worker working it renews this every few seconds; a job whose lease has lapsed lost its worker.
    heartbeat_at = models.DateTimeField(_("worker last seen"), null=True, blank=True)
    # How many times a worker has started it; each claim is one attempt, and only the latest may write.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def waits_for_the_queue(self) -> bool:
        """Saved while the task queue could not be reached: the import sweep queues it once the queue is back."""
        return self.status == self.Status.PENDING and self.queued_at is None and not self.attempts

    @property
    def restarting(self) -> bool:
        """Its worker was lost: started again from the first row, or about to be."""
        return not self.is_finished and (self.attempts > 1 or (self.attempts == 1 and self.status == self.Status.PENDING) or self.lease_lapsed())

    def lease_lapsed(self, now: datetime.datetime | None = None) -> bool:
        seen = self.heartbeat_at or self.claimed_at
        return self.status in self.RUNNING and (seen is None or seen < (now or timezone.now()) - lease())

    @property
    def percent(self) -> int:
        if self.status in {self.Status.DONE}:
            return 100
        if not self.total_rows:
            return 0
        return min(95, int(self.processed_rows * 95 / self.total_rows))
