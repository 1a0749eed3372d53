from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .campaign import Campaign


class ImportJobQuerySet(ScopedQuerySet):
    def visibility_conditions(self, user):
        return [models.Q(uploaded_by=user)]


class ImportJob(models.Model):
    """One uploaded roster file and what became of it; a Celery task works it (campaigns/roster/)."""

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

    FINISHED = {Status.DONE, Status.REJECTED, Status.FAILED}
    RUNNING = {Status.VALIDATING, Status.WRITING}

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
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
    def percent(self) -> int:
        if self.status in {self.Status.DONE}:
            return 100
        if not self.total_rows:
            return 0
        return min(95, int(self.processed_rows * 95 / self.total_rows))
