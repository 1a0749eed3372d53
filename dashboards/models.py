"""The one setting the dashboards keep: how much each indicator counts in the rankings."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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
