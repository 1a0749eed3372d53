import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Unit
from accounts.regions import prefix_of
from accounts.roles import Role
from accounts.scoping import ChildScopedQuerySet, ScopedQuerySet


class CaseCategory(models.Model):
    """诉求类别, with the time limits for its cases (defaults from the 2022 regulations), editable by admins."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    accept_days = models.PositiveSmallIntegerField(_("days to forward or accept"), default=15)
    objection_working_days = models.PositiveSmallIntegerField(_("working days to object to the remit"), default=5)
    resolve_days = models.PositiveSmallIntegerField(_("days to resolve after acceptance"), default=60)
    max_extension_days = models.PositiveSmallIntegerField(_("longest extension (days)"), default=30)
    review_days = models.PositiveSmallIntegerField(_("days to request or answer a review"), default=30)
    callback_days = models.PositiveSmallIntegerField(_("days after the answer to call back (回访) when not rated"), default=7)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CaseQuerySet(ScopedQuerySet):
    region_field = "village__code"

    def visibility_conditions(self, user):
        # The handlers as a subquery, not a join: no duplicate rows, so no DISTINCT over every column,
        # which cost the case page 14 ms of planning.
        handled = Case.handlers.through.objects.filter(user=user).values("case_id")
        conditions = [
            *super().visibility_conditions(user),
            Q(registered_by=user), Q(leader=user), Q(pk__in=handled), Q(supervising_leader=user),
        ]
        if user.unit_id and user.roles & {Role.HANDLER, Role.LEADER}:
            # The unit's handlers and leaders follow its cases; other members of the unit (cadres) do not.
            conditions += [Q(unit=user.unit_id), Q(pending_unit=user.unit_id)]
            if user.has_role(Role.HANDLER) and user.unit.kind in {Unit.Kind.PETITION_OFFICE, Unit.Kind.TOWNSHIP}:
                # The intake office: the petition office or township whose region holds the village.
                conditions.append(Q(village__code__startswith=prefix_of(user.unit.region_id)))
        return conditions

    def open(self):
        return self.filter(status__in=Case.OPEN_STATUSES)

    def overdue(self, today: datetime.date):
        """Past the limit that runs now (Case.overdue_q)."""
        return self.filter(Case.overdue_q(today))


class Case(models.Model):
    """诉求/信访件/矛盾纠纷: one matter, one leader, one team, with legal time limits (seed 002)."""

    class Type(models.TextChoices):
        PETITION = "petition", _("Petition (信访)")
        DISPUTE = "dispute", _("Dispute (矛盾纠纷)")
        LIVELIHOOD = "livelihood", _("Livelihood request (民生诉求)")

    class Source(models.TextChoices):
        VISIT = "visit", _("Collected on a visit")
        IN_PERSON = "in_person", _("In person")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone / 12345")
        ONLINE = "online", _("Online")
        SURVEY = "survey", _("Dispute survey")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        EVALUATED = "evaluated", _("Evaluated")
        CLOSED = "closed", _("Closed (销号)")

    # The named sets of statuses: every count, list, reminder and move reads them from here.
    RUNNING_STATUSES = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)  # accepted, not yet resolved: the resolution limit runs
    OPEN_STATUSES = (Status.REGISTERED, *RUNNING_STATUSES)  # not yet resolved (or refused): a limit runs
    IN_WORK_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # a responsible unit works it
    RESOLVED_STATUSES = (Status.RESOLVED, Status.EVALUATED, Status.CLOSED)  # 办结, and what may follow
    ACCEPTED_STATUSES = (*RUNNING_STATUSES, *RESOLVED_STATUSES)  # 受理 at some point
    RESPONDED_STATUSES = (Status.REJECTED, *ACCEPTED_STATUSES)  # answered: accepted or refused

    class Level(models.TextChoices):
        VILLAGE = "village", _("Village")
        TOWNSHIP = "township", _("Township")
        COUNTY = "county", _("County")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved (解决到位)")
        EXPLAINED = "explained", _("Explained (解释到位)")
        HELPED = "helped", _("Helped (帮扶到位)")
        STABILISED = "stabilised", _("Stabilised (稳控到位)")
        LAWFULLY_HANDLED = "lawfully_handled", _("Handled by law (依法处理到位)")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        FAIRLY_SATISFIED = "fairly_satisfied", _("Fairly satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    class Stage(models.TextChoices):
        ORIGINAL = "original", _("Original")
        REVIEW = "review", _("Review (复查)")
        RE_REVIEW = "re_review", _("Re-review (复核)")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.ORIGINAL)
    parent = models.ForeignKey("self", verbose_name=_("reviewed case"), null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    summary = models.TextField(_("what is asked"))
    petitioner_name = models.CharField(_("petitioner"), max_length=50)
    petitioner_phone = models.CharField(_("petitioner's phone"), max_length=11, blank=True)
    petitioner_id_hash = models.CharField(_("petitioner's ID number lookup hash"), max_length=64, blank=True, editable=False)
    head_count = models.PositiveSmallIntegerField(_("people"), default=1)
    # 越级访 and 非正常访, marked by the registrar; 集体访 is five people or more (is_collective).
    skipped_level = models.BooleanField(_("skipped a level (越级访)"), default=False)
    abnormal = models.BooleanField(_("irregular petition (非正常访)"), default=False)
    # 重复件: the same matter as a case already registered, linked to it and counted once (grievances/repeats.py).
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "campaigns.Household", verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    visit = models.ForeignKey(
        "campaigns.Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    level = models.CharField(_("handling level"), max_length=10, choices=Level.choices, default=Level.VILLAGE)
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    pending_unit = models.ForeignKey(
        Unit, verbose_name=_("transfer requested to"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("首接负责: the first unit stays accountable until this one accepts."),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible leader"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_cases"
    )
    handlers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("handlers"), blank=True, related_name="handled_cases")
    supervised = models.BooleanField(_("supervised by a leader (挂牌督办)"), default=False)
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervising leader"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # None: submitted online by the petitioner themself (grievances/online.py).
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    accept_due = models.DateField(_("accept by"), null=True, blank=True)
    objection_due = models.DateField(_("object to the remit by"), null=True, blank=True)
    objection_due_provisional = models.BooleanField(
        _("remit-objection limit counted Monday to Friday"), default=False,
        help_text=_("The holiday schedule of a year it spans was not yet entered; recomputed when it is."),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    responded_at = models.DateTimeField(
        _("answered at"), null=True, blank=True, help_text=_("When the case was accepted or refused: 按期受理 compares it with the limit."),
    )
    resolve_due = models.DateField(_("resolve by"), null=True, blank=True, db_index=True)
    extension_requested_days = models.PositiveSmallIntegerField(_("extension asked for (days)"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), default=0)
    extension_reason = models.TextField(_("reason for the extension (told to the petitioner)"), blank=True)
    rejection_reason = models.TextField(_("reason for not accepting"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    reply = models.TextField(_("reply to the petitioner"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    callback_due = models.DateField(_("call back (回访) by"), null=True, blank=True)  # set when answered: the category's callback_days on
    rated_by_petitioner = models.BooleanField(_("rated by the petitioner (on the lookup page)"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Kept by case_mediate, so the dashboards' 调解成功率 is a count, not a subquery per case.
    was_mediated = models.BooleanField(_("mediated"), default=False)
    mediation_agreed = models.BooleanField(_("mediation reached an agreement"), default=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-registered_at"]
        constraints = [
            models.CheckConstraint(condition=Q(extension_days__lte=90), name="case_extension_bounded"),
        ]
        indexes = [
            models.Index(fields=["registered_at"], name="case_registered_at"),  # dashboards count by registration dates
            # The dashboards' overdue and 挂牌督办 lists: a few cases among many.
            models.Index(fields=["status", "accept_due"], name="case_status_accept_due"),
            models.Index(fields=["status", "resolve_due"], name="case_status_resolve_due"),
            models.Index(fields=["registered_at"], condition=Q(supervised=True), name="case_supervised"),
            # Repeat detection (grievances/repeats.py): the same petitioner by phone or ID number. The similar summary
            # is found by a pg_trgm index on PostgreSQL (migration 0019).
            models.Index(fields=["petitioner_phone"], condition=~Q(petitioner_phone=""), name="case_petitioner_phone"),
            models.Index(fields=["petitioner_id_hash"], condition=~Q(petitioner_id_hash=""), name="case_petitioner_id"),
        ]

    def __str__(self):
        return self.number

    COLLECTIVE_HEAD_COUNT = 5  # 集体访: five people or more

    @property
    def is_collective(self) -> bool:
        return self.head_count >= self.COLLECTIVE_HEAD_COUNT

    @classmethod
    def running_limit_q(cls, lookup: str, day: datetime.date) -> Q:
        """The limit that runs now (as current_due: acceptance before acceptance, resolution after) compared with a day."""
        return (Q(status=cls.Status.REGISTERED, **{f"accept_due__{lookup}": day})
                | Q(status__in=cls.RUNNING_STATUSES, **{f"resolve_due__{lookup}": day}))

    @classmethod
    def overdue_q(cls, today: datetime.date) -> Q:
        """Past the limit that runs now: for a filter or inside an aggregate (Count(filter=...))."""
        return cls.running_limit_q("lt", today)

    @classmethod
    def due_by_q(cls, day: datetime.date) -> Q:
        """The limit that runs now falls on or before `day` (the overdue included)."""
        return cls.running_limit_q("lte", day)

    @classmethod
    def running_due(cls) -> models.Case:
        """The limit that runs now as an expression, for ordering: None once resolved or refused."""
        return models.Case(
            models.When(status=cls.Status.REGISTERED, then=models.F("accept_due")),
            models.When(status__in=cls.RUNNING_STATUSES, then=models.F("resolve_due")),
            default=None, output_field=models.DateField(),
        )

    @property
    def current_due(self) -> tuple[str, datetime.date] | None:
        """The limit that runs now: acceptance before acceptance, resolution after, none once resolved."""
        if self.status == self.Status.REGISTERED and self.accept_due:
            return "accept", self.accept_due
        if self.status in self.RUNNING_STATUSES and self.resolve_due:
            return "resolve", self.resolve_due
        return None

    def days_left(self, today: datetime.date | None = None) -> int | None:
        due = self.current_due
        return (due[1] - (today or timezone.localdate())).days if due else None


class CaseChildQuerySet(ChildScopedQuerySet):
    """A case's timeline, mediation sessions and reminders: seen by whoever sees the case."""

    parent_field = "case"


class CaseEvent(models.Model):
    """One move of a case: who, when, from → to, and why. The timeline is the case's audit trail."""

    class Action(models.TextChoices):
        """Every action a timeline records: the workflow's moves (grievances/workflow.py MOVES, whose buttons
        carry these labels) and registration, a review requested, a limit recounted."""

        REGISTER = "register", _("Registered")
        ACCEPT = "accept", _("Accept")
        REJECT = "reject", _("Do not accept")
        ASSIGN = "assign", _("Assign to a unit")
        START = "start", _("Start work")
        RESOLVE = "resolve", _("Resolve")
        EVALUATE = "evaluate", _("Record the petitioner's rating")
        CLOSE = "close", _("Close (销号)")
        REOPEN = "reopen", _("Reopen")
        REQUEST_EXTENSION = "request_extension", _("Ask for an extension")
        EXTEND = "extend", _("Approve an extension")
        ESCALATE = "escalate", _("Escalate one level")
        TRANSFER = "transfer", _("Transfer to another unit")
        ACCEPT_TRANSFER = "accept_transfer", _("Accept the transfer")
        SUPERVISE = "supervise", _("Put under supervision (挂牌督办)")
        MEDIATE = "mediate", _("Record a mediation session")
        REQUEST_REVIEW = "request_review", _("Review requested")
        RECOMPUTE_LIMITS = "recompute_limits", _("Time limit recounted")
        CALLBACK = "callback", _("Call back (回访)")
        LINK_REPEAT = "link_repeat", _("Linked as a repeat (重复件)")
        REPEAT_RECEIVED = "repeat_received", _("Repeat received (重复件)")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    # None: the petitioner, on the public lookup page (their rating, their request for a review).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Case events are never changed."))
        super().save(*args, **kwargs)


class AttachmentQuerySet(ChildScopedQuerySet):
    parent_field = "event"


class CaseEventAttachment(models.Model):
    """A document attached to a move (a written reply, an agreement, a photo), served only to those who see the case."""

    event = models.ForeignKey(CaseEvent, verbose_name=_("case event"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    """矛盾纠纷排查调处: one session of 人民调解, 行政调解 or 司法调解 (三调联动) on a dispute."""

    class Kind(models.TextChoices):
        PEOPLES = "peoples", _("People's mediation (人民调解)")
        ADMINISTRATIVE = "administrative", _("Administrative mediation (行政调解)")
        JUDICIAL = "judicial", _("Judicial mediation (司法调解)")

    class Result(models.TextChoices):
        AGREED = "agreed", _("Agreement reached")
        PARTIAL = "partial", _("Partly agreed")
        FAILED = "failed", _("No agreement")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="mediations")
    kind = models.CharField(_("kind of mediation"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    mediator = models.CharField(_("mediator"), max_length=100)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    agreement = models.TextField(_("agreement"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "id"]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class CaseNumberCounter(models.Model):
    """The last case number given out in a year; locked while the next is taken, so numbers never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self):
        return f"{self.year}: {self.last}"
