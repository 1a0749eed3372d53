import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Proof that Celery works. Beat sends a heartbeat task to every queue and the worker that takes it
    stamps the row named after the queue; beat also stamps the row named BEAT itself as it ticks."""

    BEAT = "beat"

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name

    @classmethod
    def last_seen_of(cls, names) -> dict[str, datetime.datetime]:
        return dict(cls.objects.filter(name__in=names).values_list("name", "last_seen"))

    @staticmethod
    def is_fresh(last_seen: datetime.datetime | None) -> bool:
        """Stamped within two heartbeat periods and some slack: one missed beat is no alarm."""
        limit = datetime.timedelta(seconds=settings.HEARTBEAT_SECONDS * 2 + 10)
        return last_seen is not None and timezone.now() - last_seen <= limit


class RankingWeight(models.Model):
    """打分排序: how much one indicator counts in the composite score of townships and units. Admins set it."""

    class Indicator(models.TextChoices):
        COVERAGE = "coverage", _("Household coverage")
        RESIDENT_SATISFACTION = "resident_satisfaction", _("Residents' rating of the work teams")
        ON_TIME_ACCEPTANCE = "on_time_acceptance", _("Cases answered on time")
        ON_TIME_RESOLUTION = "on_time_resolution", _("Cases resolved on time")
        CASE_SATISFACTION = "case_satisfaction", _("Petitioners satisfied")
        MEDIATION_SUCCESS = "mediation_success", _("Mediation success")

    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices, primary_key=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=0, validators=[MaxValueValidator(100)],
                                              help_text=_("0 leaves the indicator out of the score."))

    class Meta:
        verbose_name = _("ranking weight")
        verbose_name_plural = _("ranking weights")
        ordering = ["indicator"]

    def __str__(self):
        return f"{self.get_indicator_display()} × {self.weight}"


DEFAULT_WEIGHTS = {
    RankingWeight.Indicator.COVERAGE: 30,
    RankingWeight.Indicator.RESIDENT_SATISFACTION: 20,
    RankingWeight.Indicator.ON_TIME_ACCEPTANCE: 10,
    RankingWeight.Indicator.ON_TIME_RESOLUTION: 20,
    RankingWeight.Indicator.CASE_SATISFACTION: 20,
    RankingWeight.Indicator.MEDIATION_SUCCESS: 0,
}
