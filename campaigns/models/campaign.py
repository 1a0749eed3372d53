from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Unit
from accounts.regions import ancestor_codes
from accounts.scoping import ScopedQuerySet, jurisdiction_prefix


class CampaignQuerySet(ScopedQuerySet):
    region_field = "organiser_region__code"

    def visibility_conditions(self, user):
        conditions = super().visibility_conditions(user)
        if user.jurisdiction_id:
            # A township supervisor also sees the county's campaign (its numbers are scoped elsewhere).
            conditions.append(Q(organiser_region__code__in=ancestor_codes(user.jurisdiction_id)))
        # A cadre sees the campaigns they are assigned to.
        conditions.append(Q(target_villages__assignments__cadre=user))
        return conditions

    def visible_to(self, user):
        return super().visible_to(user).distinct()

    def managed_by(self, user):
        """Campaigns the user may change: organised inside their jurisdiction, and they hold the permission."""
        if user.is_superuser:
            return self
        prefix = jurisdiction_prefix(user)
        if not (prefix and user.is_active and user.has_perm("campaigns.change_campaign")):
            return self.none()
        return self.filter(organiser_region__code__startswith=prefix)

    def active(self):
        return self.filter(status=Campaign.Status.ACTIVE)


class Campaign(models.Model):
    """活动: one batch of cadres sent to one batch of villages for a while, under a theme."""

    class Kind(models.TextChoices):
        SANTONG_SIMIN = "santong_simin", _("Three togethers, four people (三同四民)")
        THOUSAND_CADRES = "thousand_cadres", _("A thousand cadres into a hundred villages")
        TEN_THOUSAND_CADRES = "ten_thousand_cadres", _("Ten thousand cadres to the grassroots")
        URBAN = "urban", _("Easing citizens' worries for urban harmony")
        CUSTOM = "custom", _("Custom")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    organiser_region = models.ForeignKey(
        Region, verbose_name=_("organising region"), on_delete=models.PROTECT, related_name="+"
    )
    organiser_unit = models.ForeignKey(
        Unit, verbose_name=_("organising unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    target_households_visited = models.PositiveIntegerField(_("households to visit per cadre"), default=0)
    target_nights_stayed = models.PositiveIntegerField(_("nights to stay per cadre"), default=0)
    target_deeds_done = models.PositiveIntegerField(_("practical deeds per cadre"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="campaign_ends_after_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("campaigns:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def is_upcoming(self, *, today=None) -> bool:
        """Activated, but its first day is still to come: 未开始, not 进行中."""
        return self.status == self.Status.ACTIVE and self.start_date > (today or timezone.localdate())

    def status_label(self, *, today=None) -> str:
        """The status as people read it: an active campaign before its start date has not started."""
        return str(_("Not started")) if self.is_upcoming(today=today) else self.get_status_display()


class CampaignEventQuerySet(ScopedQuerySet):
    """The change log names every village and cadre of a campaign: it is read only by those whose
    jurisdiction holds the whole campaign (its organiser's region), on the page and in the admin alike."""

    region_field = "campaign__organiser_region__code"


class CampaignEvent(models.Model):
    """One recorded change to a campaign, its villages or its assignments: who, when, what."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Edited")
        ACTIVATED = "activated", _("Activated")
        CLOSED = "closed", _("Closed")
        VILLAGE_ADDED = "village_added", _("Village added")
        VILLAGE_UPDATED = "village_updated", _("Village edited")
        VILLAGE_REMOVED = "village_removed", _("Village removed")
        CADRE_ASSIGNED = "cadre_assigned", _("Cadre assigned")
        CADRE_REASSIGNED = "cadre_reassigned", _("Cadre reassigned")
        ASSIGNMENT_ENDED = "assignment_ended", _("Assignment ended")
        LEADER_CHANGED = "leader_changed", _("Team leader changed")
        IMPORTED = "imported", _("Roster imported")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    summary = models.CharField(_("summary"), max_length=500)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = CampaignEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign change")
        verbose_name_plural = _("campaign changes")
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.summary
