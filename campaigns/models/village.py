from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Unit
from accounts.scoping import ScopedQuerySet

from .campaign import Campaign


class TargetVillageQuerySet(ScopedQuerySet):
    region_field = "village__code"

    def visibility_conditions(self, user):
        return [*super().visibility_conditions(user), Q(assignments__cadre=user)]

    def visible_to(self, user):
        return super().visible_to(user).distinct()


class TargetVillage(models.Model):
    """落实一批行政村: a village a campaign sends a work team to, with why it was chosen."""

    FLAGS = ["is_lagging", "is_weak_organisation", "has_acute_disputes", "has_disorderly_affairs"]

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="target_villages")
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    is_lagging = models.BooleanField(_("lagging village"), default=False)
    is_weak_organisation = models.BooleanField(_("weak and lax party organisation"), default=False)
    has_acute_disputes = models.BooleanField(_("acute disputes"), default=False)
    has_disorderly_affairs = models.BooleanField(_("disorderly village affairs"), default=False)
    helping_unit = models.ForeignKey(
        Unit, verbose_name=_("helping unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TargetVillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("target village")
        verbose_name_plural = _("target villages")
        ordering = ["village_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "village"], name="target_village_once_per_campaign")]

    def __str__(self):
        return str(self.village)

    def get_absolute_url(self):
        return reverse("campaigns:village", args=[self.campaign_id, self.pk])

    @property
    def flag_labels(self) -> list[str]:
        return [self._meta.get_field(name).verbose_name for name in self.FLAGS if getattr(self, name)]


class AssignmentQuerySet(ScopedQuerySet):
    region_field = "target_village__village__code"

    def visibility_conditions(self, user):
        return [*super().visibility_conditions(user), Q(cadre=user)]

    def overlapping(self, start, end):
        """Assignments whose dates share at least one day with [start, end]."""
        return self.filter(start_date__lte=end, end_date__gte=start)

    def current_on(self, day):
        return self.filter(start_date__lte=day, end_date__gte=day)

    def posted(self, cadre, today=None):
        """Where this cadre is posted today: their assignments of active campaigns that run on `today`."""
        return self.filter(cadre=cadre, target_village__campaign__status=Campaign.Status.ACTIVE).current_on(today or timezone.localdate())


class Assignment(models.Model):
    """A cadre sent to a target village for some of a campaign's days, as leader or member of its work team.

    Rows are history: reassigning ends one assignment the day before the next begins.
    """

    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        MEMBER = "member", _("Team member")

    target_village = models.ForeignKey(
        TargetVillage, verbose_name=_("target village"), on_delete=models.PROTECT, related_name="assignments"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["target_village_id", "role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="assignment_ends_after_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["cadre", "start_date", "end_date"], name="assignment_cadre_dates")]

    def __str__(self):
        return f"{self.cadre} → {self.target_village}"
