from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Unit, phone_validator
from accounts.regions import ancestor_codes
from accounts.scoping import ScopedQuerySet


class CampaignQuerySet(ScopedQuerySet):
    region_field = "organiser_region__code"

    def visibility_conditions(self, user):
        # A township supervisor also sees the county's campaign (its numbers are scoped elsewhere).
        conditions = super().visibility_conditions(user)
        if user.jurisdiction_id:
            conditions.append(Q(organiser_region_id__in=ancestor_codes(user.jurisdiction_id)))
        return conditions

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
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="campaign_ends_after_start"),
        ]

    def __str__(self):
        return self.name


class HouseholdQuerySet(ScopedQuerySet):
    region_field = "village__code"


class Household(models.Model):
    """户: a household of a village, as registered for the campaigns."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    number = models.CharField(_("household number"), max_length=20)
    head_name = models.CharField(_("head of household"), max_length=50)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[phone_validator])
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_unique_number_in_village"),
        ]

    def __str__(self):
        return f"{self.head_name} ({self.number})"
