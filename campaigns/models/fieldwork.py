"""What cadres record in the village: check-ins, visits (民情日记), pairings, residents' ratings."""

import datetime
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ChildScopedQuerySet, ScopedQuerySet
from core.minhash import BandsField

from .campaign import Campaign
from .household import Household
from .village import Assignment, TargetVillage

EDIT_WINDOW = datetime.timedelta(hours=24)
LATE_DAYS_ALLOWED = 3
SYNCED_LATER_AFTER = datetime.timedelta(minutes=5)  # a receipt this long after the phone's entry is "离线录入"


class EnteredOnPhone(models.Model):
    """What a cadre's phone may keep without signal and send later (static/js/outbox.js): the time the phone
    says it was entered, beside the server's time of receipt (`RECEIVED_FIELD`)."""

    RECEIVED_FIELD = ""
    phone_recorded_at = models.DateTimeField(_("entered on the phone at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def entered_at(self) -> datetime.datetime:
        return self.phone_recorded_at or getattr(self, self.RECEIVED_FIELD)

    @property
    def synced_at(self) -> datetime.datetime | None:
        """The server's receipt time when it came well after the phone's entry (离线录入，于 … 同步), else None."""
        received = getattr(self, self.RECEIVED_FIELD)
        if self.phone_recorded_at and received - self.phone_recorded_at > SYNCED_LATER_AFTER:
            return received
        return None


class OwnOrRegionQuerySet(ScopedQuerySet):
    """Rows of the user's jurisdiction, and their own."""

    region_field = "assignment__target_village__village__code"
    owner_field = "cadre"

    def visibility_conditions(self, user):
        return [*super().visibility_conditions(user), Q(**{self.owner_field: user})]


class CheckInQuerySet(OwnOrRegionQuerySet):
    pass


class CheckIn(EnteredOnPhone):
    """驻村考勤: a cadre at their village on a day; the server stamps the time it received it."""

    RECEIVED_FIELD = "checked_at"

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="check_ins")
    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="check_ins")
    day = models.DateField(_("day"))
    checked_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["cadre", "day"], name="one_check_in_a_day")]
        indexes = [models.Index(fields=["day"], name="check_in_day")]  # the dashboards count today's

    def __str__(self):
        return f"{self.cadre} {self.day}"


class VisitKind(models.TextChoices):
    """四访 (seed 002)."""

    LIVING = "living", _("Living conditions")
    PRODUCTION = "production", _("Production")
    POLICY = "policy", _("Policies carried out")
    DEVELOPMENT = "development", _("Plans for development")


class VisitQuerySet(OwnOrRegionQuerySet):
    def visibility_conditions(self, user):
        """The jurisdiction's visits, the cadre's own, and those of the team they are posted with today:
        a work team shares its village's 民情日记 (the household page, the ledger)."""
        team = Assignment.objects.posted(user).values("target_village")
        return [*super().visibility_conditions(user), Q(assignment__target_village__in=team)]


class Visit(EnteredOnPhone):
    """走访, one entry of the 民情日记. Stamped by the server when received; editable for 24 hours, with history."""

    RECEIVED_FIELD = "recorded_at"

    client_id = models.UUIDField(_("form id"), unique=True, default=uuid.uuid4, editable=False)
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="visits")
    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits",
        help_text=_("Empty for a village-level activity."),
    )
    visited_on = models.DateField(_("visited on"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    kinds = models.JSONField(_("kinds of visit"), default=list, blank=True)
    ate_together = models.BooleanField(_("ate together"), default=False)
    stayed_overnight = models.BooleanField(_("stayed overnight"), default=False)
    laboured_together = models.BooleanField(_("laboured together"), default=False)
    diary = models.TextField(_("diary"))
    # Set with the diary by whatever writes it (core.minhash.bands_of): how the copied-diary rule finds near copies.
    diary_bands = BandsField(_("diary band hashes"), blank=True)
    deed = models.CharField(_("practical deed done"), max_length=300, blank=True)
    deed_value = models.DecimalField(_("value of money or goods (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    pairing_progress = models.TextField(_("pairing progress"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)  # read by the rollup refresh

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["cadre", "-recorded_at"], name="visit_cadre_recent"),
            models.Index(fields=["visited_on"], name="visit_day"),  # the rollup refresh and the dashboards' visit lists
            models.Index(fields=["assignment", "household"], name="visit_assignment_household"),  # coverage: households visited
        ]

    def __str__(self):
        return f"{self.cadre} {self.visited_on}"

    @property
    def days_late(self) -> int:
        """Days between the visit and its entry (on the phone, when it was kept there without signal)."""
        return (timezone.localtime(self.entered_at).date() - self.visited_on).days

    @property
    def editable_until(self) -> datetime.datetime:
        return self.recorded_at + EDIT_WINDOW

    def is_editable(self, now=None) -> bool:
        return (now or timezone.now()) < self.editable_until

    @property
    def kind_labels(self) -> list[str]:
        return [str(VisitKind(k).label) for k in self.kinds if k in VisitKind.values]


class VisitChildQuerySet(ChildScopedQuerySet):
    parent_field = "visit"


class VisitRevision(models.Model):
    """The diary entry as it was before an edit."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="revisions")
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("edited by"), on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)
    previous = models.JSONField(_("before the edit"))

    objects = VisitChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit revision")
        verbose_name_plural = _("visit revisions")
        ordering = ["-edited_at"]

    def __str__(self):
        return f"{self.visit_id} @ {self.edited_at:%Y-%m-%d %H:%M}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="visits/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))

    objects = VisitChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self):
        return self.image.name


class PairingQuerySet(ScopedQuerySet):
    region_field = "household__village__code"

    def visibility_conditions(self, user):
        return [*super().visibility_conditions(user), Q(cadre=user)]


class Pairing(models.Model):
    """结对帮扶: a cadre befriends a household for a campaign and follows its needs."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="pairings")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="pairings")
    needs = models.TextField(_("needs"), blank=True)
    progress = models.TextField(_("progress"), blank=True)
    created_at = models.DateTimeField(_("paired at"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [models.UniqueConstraint(fields=["campaign", "cadre", "household"], name="pair_once_per_campaign")]

    def __str__(self):
        return f"{self.cadre} ↔ {self.household}"


class EvaluationQuerySet(ScopedQuerySet):
    """Residents' ratings, one by one with their comments: for the jurisdiction's supervisors and admins only,
    never for the team that was rated (who rated it badly is not theirs to know)."""

    region_field = "target_village__village__code"


class Evaluation(models.Model):
    """群众评议: a household rates the work team of its village, once a campaign."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        FAIRLY_SATISFIED = "fairly_satisfied", _("Fairly satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="evaluations")
    target_village = models.ForeignKey(TargetVillage, verbose_name=_("team"), on_delete=models.PROTECT, related_name="evaluations")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="evaluations")
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)
    # A resident rates without an account: a rating sent while someone was signed in on that browser came
    # from a staff member's own session (a cadre "helping", or filling it in): marked, for the figures to tell apart.
    signed_in_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent from the session of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The staff account signed in on the browser the rating was sent from, if any."),
    )
    # A keyed hash of the address it was sent from (never the address): many ratings from one address in a burst are flagged.
    address_hash = models.CharField(_("sent from (hashed address)"), max_length=64, blank=True, editable=False)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="one_rating_per_household")]

    def __str__(self):
        return f"{self.household_id}: {self.get_rating_display()}"


# 评议码: 6 characters from 31 that cannot be mistaken for one another (no 0/O, 1/I/L): 31**6 ≈ 8.9 × 10**8.
RATING_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RATING_CODE_LENGTH = 6


class RatingCardQuerySet(ScopedQuerySet):
    """Cards are for the jurisdiction's administrators; a posted cadre sees none."""

    region_field = "target_village__village__code"


class RatingCard(models.Model):
    """评议卡: the code with which a household proves itself on the team's public rating page.

    Printed by the campaign office and delivered sealed, not by the work team, which must not know it
    (the phone digits it replaced are on the cadre's screen). Only a keyed hash is kept: no page can show
    a code again, and printing again gives the household a new code and voids the old card."""

    target_village = models.ForeignKey(TargetVillage, verbose_name=_("team"), on_delete=models.CASCADE, related_name="rating_cards")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(_("rating code hash"), max_length=64)
    issued_at = models.DateTimeField(_("printed at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("printed by"), on_delete=models.PROTECT, related_name="+")

    objects = RatingCardQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating card")
        verbose_name_plural = _("rating cards")
        constraints = [models.UniqueConstraint(fields=["target_village", "household"], name="one_rating_card_per_household_and_team")]

    def __str__(self):
        return f"{self.target_village_id}/{self.household_id} {self.issued_at:%Y-%m-%d}"


    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(RATING_CODE_ALPHABET) for _n in range(RATING_CODE_LENGTH))

    @staticmethod
    def normalise(code: str) -> str:
        """What a resident types: any case, spaces or a dash between the halves."""
        return "".join(code.split()).replace("-", "").upper()

    @staticmethod
    def digest(target_village_id: int, household_id: int, code: str) -> str:
        """Keyed with PII_HASH_KEY (never rotated casually), bound to the team and household."""
        message = f"rating-card:{target_village_id}:{household_id}:{RatingCard.normalise(code)}"
        return hmac.new(settings.PII_HASH_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, self.digest(self.target_village_id, self.household_id, code))
