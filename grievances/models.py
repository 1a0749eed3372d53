from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scoping import ScopedQuerySet


class CaseQuerySet(ScopedQuerySet):
    region_field = "village__code"

    def visibility_conditions(self, user):
        # Whoever registered a case follows it, even outside a jurisdiction (a cadre's demands).
        return [*super().visibility_conditions(user), Q(registered_by=user)]


class Case(models.Model):
    """诉求/信访件/矛盾纠纷. This first cut holds registration; the workflow comes with the grievances issue."""

    class Type(models.TextChoices):
        PETITION = "petition", _("Petition (信访)")
        DISPUTE = "dispute", _("Dispute (矛盾纠纷)")
        LIVELIHOOD = "livelihood", _("Livelihood request (民生诉求)")

    class Source(models.TextChoices):
        VISIT = "visit", _("Collected on a visit")
        IN_PERSON = "in_person", _("In person")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone / 12345")
        ONLINE = "online", _("Online")
        SURVEY = "survey", _("Dispute survey")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    summary = models.TextField(_("what is asked"))
    petitioner_name = models.CharField(_("petitioner"), max_length=50)
    petitioner_phone = models.CharField(_("petitioner's phone"), max_length=11, blank=True)
    head_count = models.PositiveSmallIntegerField(_("people"), default=1)
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "campaigns.Household", verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    visit = models.ForeignKey(
        "campaigns.Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-registered_at"]

    def __str__(self):
        return self.number

    @property
    def is_collective(self) -> bool:
        """集体访: five people or more."""
        return self.head_count >= 5


class CaseNumberCounter(models.Model):
    """The last case number given out in a year; locked while the next is taken, so numbers never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
