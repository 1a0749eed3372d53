"""Rollups for the campaign dashboard: visit totals per target village and day, and coverage per
target village. They are derived from the raw rows by `campaigns.rollups.refresh` (a Celery task)
and never edited by hand; drill-down lists read the raw rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scoping import ScopedQuerySet

from .campaign import Campaign
from .village import TargetVillage


class RollupQuerySet(ScopedQuerySet):
    region_field = "village__code"


class VillageDay(models.Model):
    """One target village's visits on one day, summed."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    target_village = models.ForeignKey(TargetVillage, verbose_name=_("target village"), on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    visits = models.PositiveIntegerField(_("visits"), default=0)
    household_visits = models.PositiveIntegerField(_("household visits"), default=0)
    living = models.PositiveIntegerField(_("living conditions"), default=0)
    production = models.PositiveIntegerField(_("production"), default=0)
    policy = models.PositiveIntegerField(_("policies carried out"), default=0)
    development = models.PositiveIntegerField(_("plans for development"), default=0)
    meals = models.PositiveIntegerField(_("meals together"), default=0)
    nights = models.PositiveIntegerField(_("nights stayed"), default=0)
    labour = models.PositiveIntegerField(_("days laboured together"), default=0)
    deeds = models.PositiveIntegerField(_("practical deeds"), default=0)
    deed_value = models.DecimalField(_("value of deeds (yuan)"), max_digits=14, decimal_places=2, default=0)
    demands = models.PositiveIntegerField(_("demands collected"), default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("village day")
        verbose_name_plural = _("village days")
        default_permissions = ("view",)
        permissions = [("view_dashboards", _("Can view the dashboards"))]
        constraints = [models.UniqueConstraint(fields=["target_village", "day"], name="village_day_once")]
        indexes = [models.Index(fields=["campaign", "village", "day"], name="village_day_scope")]

    def __str__(self):
        return f"{self.target_village_id} {self.day}"


class VillageCoverage(models.Model):
    """A target village over the whole campaign: households registered and visited, residents' ratings."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+")
    target_village = models.OneToOneField(TargetVillage, verbose_name=_("target village"), on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.CASCADE, related_name="+")
    households = models.PositiveIntegerField(_("households registered"), default=0)
    visited_households = models.PositiveIntegerField(_("households visited"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    fairly_satisfied = models.PositiveIntegerField(_("fairly satisfied"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("village coverage")
        verbose_name_plural = _("village coverage")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["campaign", "village"], name="village_coverage_scope")]

    def __str__(self):
        return f"{self.target_village_id}: {self.visited_households}/{self.households}"


class RollupStatus(models.Model):
    """When the rollups were last brought up to date, and the visit edit time they have read up to."""

    name = models.CharField(_("name"), max_length=30, primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    watermark = models.DateTimeField(_("read changes up to"))

    class Meta:
        verbose_name = _("rollup status")
        verbose_name_plural = _("rollup status")
        default_permissions = ("view",)

    def __str__(self):
        return self.name
