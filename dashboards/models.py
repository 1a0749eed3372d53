"""The settings the dashboards keep, all for the rankings (打分排序): how much each indicator counts, from
how many records behind it it counts at all, and how many points a confirmed fabrication takes off."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RankingWeight(models.Model):
    """打分排序: how much one indicator counts in the composite score of townships and units, and the fewest
    records a row needs behind it for the indicator to count (dashboards/rankings.py). Admins set both."""

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
    minimum = models.PositiveSmallIntegerField(
        _("minimum records"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("The indicator counts for a township or unit only from this many records behind it (households registered, "
                    "residents' ratings, cases due for an answer or for resolution, rated cases, mediated disputes); below it "
                    "the row shows 样本不足 and gets no score."),
    )

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

# A township registers hundreds of households and gathers dozens of ratings; cases come fewer.
DEFAULT_MINIMUMS = {
    RankingWeight.Indicator.COVERAGE: 10,
    RankingWeight.Indicator.RESIDENT_SATISFACTION: 10,
    RankingWeight.Indicator.ON_TIME_ACCEPTANCE: 5,
    RankingWeight.Indicator.ON_TIME_RESOLUTION: 5,
    RankingWeight.Indicator.CASE_SATISFACTION: 5,
    RankingWeight.Indicator.MEDIATION_SUCCESS: 5,
}


class RankingDeduction(models.Model):
    """打分排序's one deduction: the points each confirmed fabrication (a flag reviewed 属实) takes off the
    score of the row it concerns. One row, which the admins who set the weights set too (current())."""

    points_per_flag = models.PositiveSmallIntegerField(
        _("points off per confirmed fabrication"), default=2, validators=[MaxValueValidator(100)],
        help_text=_("Percentage points taken off a township's or unit's score for each of its flags confirmed (属实); "
                    "the score never goes below 0. 0 takes nothing off."),
    )

    class Meta:
        verbose_name = _("ranking deduction")
        verbose_name_plural = _("ranking deductions")

    def __str__(self):
        return str(_("Points off per confirmed fabrication"))

    @classmethod
    def current(cls) -> "RankingDeduction":
        """The saved row, or the default when none is saved (a read never writes it)."""
        return cls.objects.order_by("pk").first() or cls()
