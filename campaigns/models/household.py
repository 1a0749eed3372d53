from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, phone_validator
from accounts.scoping import ScopedQuerySet
from outreach import pii


class HouseholdQuerySet(ScopedQuerySet):
    region_field = "village__code"


class Household(models.Model):
    """户: a household of a village. The head's ID number is kept encrypted (outreach/pii.py)."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    number = models.CharField(_("household number"), max_length=20)
    head_name = models.CharField(_("head of household"), max_length=50)
    id_number_cipher = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number lookup hash"), max_length=64, blank=True, editable=False)
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
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="household_unique_id_number"
            ),
        ]

    def __str__(self):
        return f"{self.head_name} ({self.number})"

    def set_id_number(self, value: str) -> None:
        value = pii.normalise_id_number(value)
        self.id_number_cipher = pii.encrypt(value) if value else ""
        self.id_number_hash = pii.lookup_hash(value) if value else ""

    @property
    def masked_id_number(self) -> str:
        return pii.mask_id_number(pii.decrypt(self.id_number_cipher)) if self.id_number_cipher else ""

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone) if self.phone else ""
