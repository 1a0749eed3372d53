from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Region, phone_validator
from accounts.scoping import ScopedQuerySet
from core import pii

from .village import Assignment


class HouseholdQuerySet(ScopedQuerySet):
    region_field = "village__code"

    def visibility_conditions(self, user):
        # A cadre sees the households of the village they are posted to today.
        posted = Assignment.objects.posted(user)
        return [*super().visibility_conditions(user), Q(village__in=posted.values("target_village__village"))]

    def sharing_id_number_with(self, household):
        """Other households registered with the same ID number (a duplicate for an administrator to merge)."""
        if not household.id_number_hash:
            return self.none()
        return self.filter(id_number_hash=household.id_number_hash).exclude(pk=household.pk)


class HouseholdTag(models.TextChoices):
    # 五类人员 (seed 002): the people cadres are to befriend
    RESPECTED = "respected", _("Respected in the village")
    DISCIPLINED = "disciplined", _("Once disciplined or punished")
    POLICY_DOUBTS = "policy_doubts", _("Doubts about a policy")
    LAND_TAKEN = "land_taken", _("Land requisitioned or house demolished")
    POOR = "poor", _("Living in poverty")
    # 结对 targets
    BIG_PRODUCER = "big_producer", _("Large producer")
    OLD_PETITIONER = "old_petitioner", _("Long-standing petitioner")
    HARDSHIP = "hardship", _("In hardship")
    ELDERLY_LEFT_BEHIND = "elderly_left_behind", _("Elderly left behind")
    CHILD_LEFT_BEHIND = "child_left_behind", _("Child left behind")
    # assistance
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    WUBAO = "wubao", _("Five guarantees (五保)")


class Household(models.Model):
    """户: a household of a village. The head's ID number is kept encrypted (core/pii.py)."""

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
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # 四个清楚: what a cadre must know of the household, kept current by visits
    family_situation = models.TextField(_("family situation"), blank=True)
    state_of_mind = models.TextField(_("state of mind"), blank=True)
    hardship_cause = models.TextField(_("cause of hardship"), blank=True)
    help_needed = models.TextField(_("help needed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # One more on every change: a phone's edit made on an older version is a conflict (HouseholdEdit).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = HouseholdQuerySet.as_manager()
    # Who changed which profile field, when (django-simple-history): every save through the services
    # (services.fieldwork._household_write names the actor). Not the ID number, kept encrypted apart.
    history = HistoricalRecords(
        excluded_fields=["id_number_cipher", "id_number_hash", "created_at", "updated_at", "version"],
        cascade_delete_history=True,
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village_id", "number"]
        permissions = [
            ("reveal_id_number", _("Can see full ID numbers")),
            ("reveal_phone", _("Can see full phone numbers")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_unique_number_in_village"),
            # Unique within the village. The same number in two villages is allowed (one may be stale, or a
            # mistake) for an administrator to merge: a refusal across villages would confirm to whoever
            # typed it that someone elsewhere has that number (campaigns.services.household_save).
            models.UniqueConstraint(
                fields=["id_number_hash", "village"], condition=~Q(id_number_hash=""), name="household_unique_id_number_in_village"
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

    @property
    def id_number(self) -> str:
        """The full number: only for views that record who looked (services.household_reveal)."""
        return pii.decrypt(self.id_number_cipher) if self.id_number_cipher else ""

    @property
    def tag_labels(self) -> list[str]:
        return [str(HouseholdTag(tag).label) for tag in self.tags if tag in HouseholdTag.values]


# What a cadre's phone may change offline, and so what a conflict compares: never the ID number or phone,
# which are not kept on the phone (static/js/outbox.js).
PHONE_EDITABLE_FIELDS = ["number", "head_name", "members", "address", "tags", "family_situation", "state_of_mind", "hardship_cause", "help_needed"]


class HouseholdEdit(models.Model):
    """A household edit a phone kept without signal and sent later: recorded once per client id.

    When the household changed on the server after the phone last saw it (a newer version) and the two
    disagree, nothing is overwritten: the server's values stay, the phone's are kept here (`phone_values`,
    beside `server_values` as they were), and the cadre chooses field by field (services.household_conflict_resolve)."""

    class State(models.TextChoices):
        APPLIED = "applied", _("Saved")
        CONFLICT = "conflict", _("Changed by someone else meanwhile: waiting for a choice")
        RESOLVED = "resolved", _("Chosen")

    client_id = models.UUIDField(_("form id"), unique=True)
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="phone_edits")
    actor = models.ForeignKey("accounts.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    base_version = models.PositiveIntegerField(_("version edited"))
    phone_values = models.JSONField(_("values from the phone"), default=dict)
    server_values = models.JSONField(_("values on the server"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    phone_recorded_at = models.DateTimeField(_("entered on the phone at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("chosen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household edit from a phone")
        verbose_name_plural = _("household edits from phones")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["actor", "state"], name="household_edit_actor_state")]

    def __str__(self):
        return f"{self.household} {self.received_at:%Y-%m-%d %H:%M}"

    def differences(self):
        """(label, the server's value, the phone's value) for each field the two disagree on."""
        def shown(name, value):
            return "、".join(str(HouseholdTag(t).label) for t in value if t in HouseholdTag.values) if name == "tags" else value

        return [(name, Household._meta.get_field(name).verbose_name, shown(name, self.server_values.get(name)), shown(name, value))
                for name, value in self.phone_values.items()]

    @property
    def entered_at(self):
        return self.phone_recorded_at or self.received_at


class PersonalDataView(models.Model):
    """Who saw a household's full ID number or phone, and when (PIPL: access is recorded)."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("phone")

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    viewer = models.ForeignKey("accounts.User", verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data view")
        verbose_name_plural = _("personal data views")
        ordering = ["-viewed_at"]

    def __str__(self):
        return f"{self.viewer_id} → {self.household_id} {self.field}"
