"""Flags on field numbers that look fabricated (造假数字): what a rule found, and what a supervisor made of it.

The rules are in campaigns/flags.py; services.flags writes these rows (once per rule and record: `key`)
and records every review in the audit trail.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scoping import ScopedQuerySet
from grievances.models import Case

from .campaign import Campaign
from .fieldwork import CheckIn, Evaluation, Visit


class FlagRule(models.TextChoices):
    VISIT_WITHOUT_CHECK_IN = "visit_without_check_in", _("Visits on a day without a check-in")
    OVERNIGHT_WITHOUT_CHECK_IN = "overnight_without_check_in", _("Stayed overnight with no check-in that day")
    OUTSIDE_ASSIGNMENT = "outside_assignment", _("Outside the assignment's dates")
    FAR_FROM_VILLAGE = "far_from_village", _("Far from the village")
    TOO_MANY_IN_AN_HOUR = "too_many_in_an_hour", _("More visits in an hour than a person can make")
    MINUTES_APART = "minutes_apart", _("Different households minutes apart")
    SAME_SPOT = "same_spot", _("Different households at the same spot")
    COPIED_DIARY = "copied_diary", _("Diary nearly copied from another visit")
    LAST_DAY_RUSH = "last_day_rush", _("Most visits on the campaign's last day")
    BACKDATED_IN_BULK = "backdated_in_bulk", _("Entries back-dated to the limit in bulk")
    CHANGED_AFTERWARDS = "changed_afterwards", _("Practical deed or 三同 changed afterwards")
    RATING_BURST = "rating_burst", _("Residents' ratings in a burst")
    RATING_NOT_VISITED = "rating_not_visited", _("Rating from a household the team never visited")
    CASE_CLOSED_AT_ONCE = "case_closed_at_once", _("Case closed minutes after registration")
    CLOSED_WITHOUT_REPLY = "closed_without_reply", _("Closed (销号) without a reply to the petitioner")
    SATISFACTION_WITHOUT_CALLBACK = "satisfaction_without_callback", _("Satisfaction recorded with no 回访")


class FlagQuerySet(ScopedQuerySet):
    """The jurisdiction's flags, and a cadre's own (to explain them)."""

    region_field = "village__code"

    def visibility_conditions(self, user):
        return [*super().visibility_conditions(user), Q(cadre=user)]

    def open(self):
        return self.filter(state=Flag.State.OPEN)


class Flag(models.Model):
    """One finding of one rule about one record (or one cadre's day, one team's burst): never twice."""

    class Severity(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")

    class State(models.TextChoices):
        OPEN = "open", _("To review")
        CONFIRMED = "confirmed", _("Confirmed (属实)")
        DISMISSED = "dismissed", _("Dismissed (已排除)")

    rule = models.CharField(_("rule"), max_length=40, choices=FlagRule.choices)
    key = models.CharField(_("what it concerns"), max_length=100, help_text=_("The record (or cadre and day) the rule found; once per rule."))
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, default=Severity.MEDIUM)
    evidence = models.TextField(_("evidence"))
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cadre"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="flags")
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    visits = models.ManyToManyField(Visit, verbose_name=_("visits"), blank=True, related_name="flags")
    check_ins = models.ManyToManyField(CheckIn, verbose_name=_("check-ins"), blank=True, related_name="flags")
    evaluations = models.ManyToManyField(Evaluation, verbose_name=_("residents' ratings"), blank=True, related_name="flags")
    found_at = models.DateTimeField(_("found at"), default=timezone.now, db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    explanation = models.TextField(_("cadre's explanation (说明)"), blank=True)
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-found_at", "-pk"]
        permissions = [("review_flag", _("Can review flags (属实 or 已排除)"))]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="flag_once_per_rule_and_record")]
        indexes = [models.Index(fields=["state", "village"], name="flag_state_village")]

    def __str__(self):
        return f"{self.get_rule_display()} · {self.key}"


class FlagThresholds(models.Model):
    """The rules' thresholds, one row an administrator sets in the admin (FlagThresholds.current())."""

    far_from_village_m = models.PositiveIntegerField(_("farther from the village than (m)"), default=3000)
    visits_per_hour = models.PositiveSmallIntegerField(_("more visits in an hour than"), default=5, validators=[MinValueValidator(1)])
    minutes_apart = models.PositiveSmallIntegerField(_("different households less than this many minutes apart"), default=3)
    minutes_apart_count = models.PositiveSmallIntegerField(_("… this many times in a day"), default=3, validators=[MinValueValidator(1)])
    same_spot_m = models.PositiveSmallIntegerField(_("the same spot: within (m)"), default=5)
    same_spot_households = models.PositiveSmallIntegerField(_("… for at least this many households in a day"), default=4,
                                                            validators=[MinValueValidator(2)])
    diary_similarity = models.FloatField(_("diary similarity of a near copy (0–1)"), default=0.8,
                                         validators=[MinValueValidator(0.3), MaxValueValidator(1)])
    diary_min_length = models.PositiveSmallIntegerField(_("diaries shorter than this are not compared (characters)"), default=30)
    last_day_share = models.FloatField(_("share of a cadre's visits on the campaign's last day (0–1)"), default=0.5,
                                       validators=[MinValueValidator(0.1), MaxValueValidator(1)])
    last_day_min_visits = models.PositiveSmallIntegerField(_("… counted from this many visits"), default=10)
    backdated_count = models.PositiveSmallIntegerField(_("entries back-dated to the limit on one day, from"), default=5,
                                                       validators=[MinValueValidator(2)])
    rating_burst_count = models.PositiveSmallIntegerField(_("ratings in a burst: at least"), default=5, validators=[MinValueValidator(2)])
    rating_burst_minutes = models.PositiveSmallIntegerField(_("… within minutes"), default=10, validators=[MinValueValidator(1)])
    case_closed_minutes = models.PositiveSmallIntegerField(_("a case closed within minutes of registration"), default=30)

    class Meta:
        verbose_name = _("flag thresholds")
        verbose_name_plural = _("flag thresholds")

    def __str__(self):
        return str(_("Flag thresholds"))

    @classmethod
    def current(cls) -> "FlagThresholds":
        return cls.objects.order_by("pk").first() or cls()
