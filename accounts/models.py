import pgtrigger
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import regions
from .roles import Role
from .scoping import ScopedQuerySet, jurisdiction_prefix

phone_validator = RegexValidator(r"^1\d{10}$", _("Enter an 11-digit mobile number starting with 1."))


class RegionQuerySet(ScopedQuerySet):
    region_field = "code"

    def visibility_conditions(self, user):
        # A user also sees the regions above their own, to know where they stand.
        conditions = super().visibility_conditions(user)
        if user.jurisdiction_id:
            conditions.append(Q(code__in=regions.ancestor_codes(user.jurisdiction_id)))
        return conditions

    def villages(self):
        return self.filter(level=Region.Level.VILLAGE)

    def townships(self):
        return self.filter(level=Region.Level.TOWNSHIP)


class Region(models.Model):
    """行政区划, keyed by its 12-digit statistical division code."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County / district")
        TOWNSHIP = 4, _("Township / street")
        VILLAGE = 5, _("Village / community")

    code = models.CharField(
        _("division code"),
        max_length=12,
        primary_key=True,
        validators=[RegexValidator(regions.CODE_RE, _("A division code is 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A village's reference point: visits and check-ins are measured from it (campaigns.flags).
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"),
        ]

    def __str__(self):
        return self.name

    @property
    def prefix(self) -> str:
        return regions.prefix_of(self.code)

    def clean(self):
        if not regions.is_valid_code(self.code):
            raise ValidationError({"code": _("A division code is 12 digits.")})
        if self.level != regions.level_of(self.code):
            raise ValidationError({"level": _("The level does not match the division code.")})
        expected_parent = (regions.ancestor_codes(self.code) or [None])[-1]
        if self.parent_id != expected_parent:
            raise ValidationError({"parent": _("The parent must be the region whose code is %(code)s.") % {"code": expected_parent}})


class UnitQuerySet(ScopedQuerySet):
    region_field = "region__code"

    def visibility_conditions(self, user):
        conditions = super().visibility_conditions(user)
        if user.unit_id:
            conditions.append(Q(pk=user.unit_id))
        return conditions


class Unit(models.Model):
    """单位: a party or government body in a region; sends cadres, owns cases."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party committee or department")
        PETITION_OFFICE = "petition_office", _("Petition office (信访部门)")
        GOVERNMENT = "government", _("Government department")
        TOWNSHIP = "township", _("Township or street")
        VILLAGE = "village", _("Village or community committee")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")]

    def __str__(self):
        return self.name


class UserQuerySet(ScopedQuerySet):
    region_field = "jurisdiction__code"

    def visibility_conditions(self, user):
        conditions = super().visibility_conditions(user)
        prefix = jurisdiction_prefix(user)
        if prefix:
            # People sent by units of the jurisdiction, even without a jurisdiction of their own (cadres).
            conditions.append(Q(unit__region__code__startswith=prefix))
        conditions.append(Q(pk=user.pk))
        return conditions


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff: real name, phone, unit and the region they answer for."""

    first_name = None
    last_name = None
    real_name = models.CharField(_("real name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[phone_validator])
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The region whose records this user may see. Empty: only their own records."),
    )
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("Set for imported accounts and passwords given by an administrator: the next login asks for a new one."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects = ScopedUserManager()

    REQUIRED_FIELDS = ["real_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.real_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()  # however it is changed (our page, the admin, a command)

    def get_full_name(self):
        return self.real_name or self.username

    def get_short_name(self):
        return self.get_full_name()

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The user's roles, read once per request from their groups."""
        names = set(self.groups.values_list("name", flat=True))
        return frozenset(role for role in Role if role.value in names)

    def has_role(self, role: Role) -> bool:
        return role in self.roles


class AuditEntry(models.Model):
    """One line of the audit trail (等保 2.0 安全审计): who did what, when, from where.

    Append-only: the model refuses updates and deletes; on PostgreSQL triggers refuse every UPDATE and
    the DELETE of any entry younger than 180 days (the retention job, accounts.audit.prune, deletes only
    older ones). TRUNCATE fires no row trigger and the table's owner may drop triggers: in production the
    application's database role must not own this table and holds only SELECT, INSERT and DELETE on it
    (README, Production).
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Login locked")
        TWO_FACTOR = "two_factor", _("Second factor")
        LOGOUT = "logout", _("Logged out")
        PERSONAL_DATA = "personal_data", _("Viewed personal data in full")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported a roster")
        CASE = "case", _("Case moved")
        CAMPAIGN = "campaign", _("Campaign changed")
        ROLES = "roles", _("Roles changed")
        JURISDICTION = "jurisdiction", _("Jurisdiction or powers changed")
        CONFIGURATION = "configuration", _("Changed in the administration")
        FLAG = "flag", _("Flag reviewed or explained")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey("User", verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True, help_text=_("The username tried, for a failed login."))
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object"), max_length=50, blank=True)
    summary = models.CharField(_("what"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_personal_data", _("Can export residents' personal data, stating the purpose"))]
        triggers = [
            pgtrigger.Protect(name="audit_no_update", operation=pgtrigger.Update),
            # The retention job deletes old entries; nothing deletes one younger than the legal minimum.
            pgtrigger.Protect(name="audit_no_early_delete", operation=pgtrigger.Delete,
                              condition=pgtrigger.Condition("OLD.at > now() - interval '180 days'")),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Audit entries are never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit entries are never deleted, except by the retention job."))
