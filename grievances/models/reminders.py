"""Deadline reminders and their deliveries: rows, so that "once" and "never lost" are database facts."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.scoping import ChildScopedQuerySet

from .case import Case, CaseChildQuerySet, CaseEvent


class ReminderQuerySet(CaseChildQuerySet):
    def visible_to(self, user):
        """One's own reminders, and those of the cases one sees."""
        return (self.filter(recipient=user) | super().visible_to(user)) if user.is_authenticated else self.none()


class Reminder(models.Model):
    """One person told once that one deadline of one case is near or passed.

    The unique constraint makes "once" a fact: however often or in parallel the sweep runs, a second
    insert of the same (case, deadline, due date, threshold, person) is ignored. An extension moves
    the due date, so its thresholds start afresh. The in-app inbox reads these rows.
    """

    class Deadline(models.TextChoices):
        ACCEPT = "accept", _("Acceptance")
        RESOLVE = "resolve", _("Resolution")
        CALLBACK = "callback", _("Call back (回访)")

    OVERDUE = -1  # the threshold of a passed deadline

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="reminders")
    deadline = models.CharField(_("deadline"), max_length=10, choices=Deadline.choices)
    due = models.DateField(_("due"))
    threshold = models.SmallIntegerField(_("days before (−1: overdue)"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    digested_at = models.DateTimeField(_("sent in a digest at"), null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "deadline", "due", "threshold", "recipient"], name="remind_once"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="reminder_inbox")]

    def __str__(self):
        return f"{self.case} {self.deadline} {self.threshold}"

    @property
    def is_overdue(self) -> bool:
        return self.threshold == self.OVERDUE


class PetitionerNotice(models.Model):
    """A text the petitioner is owed about their case, one per move of its timeline: registered (with the number and
    the lookup link), accepted or not (with the reason; 《信访工作条例》第22、23条), transferred, extended (the reason
    and the new date, 第34条) and answered (办结: how to rate it and to ask for 复查 within 30 days). Sent to the
    phone on the case through a Delivery (grievances/notices.py), and shown on the timeline with how it went."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        TRANSFERRED = "transferred", _("Transferred")
        EXTENDED = "extended", _("Extended")
        ANSWERED = "answered", _("Answered (办结)")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notices")
    event = models.OneToOneField(CaseEvent, verbose_name=_("case event"), on_delete=models.CASCADE, related_name="notice")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice to the petitioner")
        verbose_name_plural = _("notices to the petitioner")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case} {self.kind}"


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Those of the reminders and the notices to petitioners the user sees."""
        return self.filter(Q(reminder__in=Reminder.objects.visible_to(user).values("pk"))
                           | Q(notice__in=PetitionerNotice.objects.visible_to(user).values("pk")))


class Delivery(models.Model):
    """A reminder sent through one outside channel; claimed with a lease, retried with backoff, recorded."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("WeCom / DingTalk group robot")
        SMS = "sms", _("Text message (SMS)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    # A delivery carries either a reminder to staff or a notice to the petitioner.
    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True)
    notice = models.ForeignKey(PetitionerNotice, verbose_name=_("notice to the petitioner"), on_delete=models.CASCADE, related_name="deliveries",
                               null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="deliver_once_per_channel"),
            models.UniqueConstraint(fields=["notice", "channel"], name="notice_once_per_channel"),
            models.CheckConstraint(condition=Q(reminder__isnull=True) ^ Q(notice__isnull=True), name="delivery_of_a_reminder_or_a_notice"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=Q(status__in=["pending", "retrying"])),
        ]

    def __str__(self):
        return f"{self.reminder or self.notice} → {self.channel}"


class NotificationPreference(models.Model):
    """How a person wants their reminders, besides the in-app inbox (always on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_preference")
    email = models.BooleanField(_("by e-mail"), default=True)
    webhook = models.BooleanField(_("in my unit's WeCom / DingTalk group"), default=True)
    sms = models.BooleanField(_("by text message (SMS) to my mobile phone"), default=True)
    daily_digest = models.BooleanField(_("one daily digest instead of single e-mails"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}"


class UnitWebhookQuerySet(ChildScopedQuerySet):
    parent_field = "unit"


class UnitWebhook(models.Model):
    """A unit's group robot: 企业微信 or 钉钉, by its webhook address."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk (钉钉)")

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="webhook")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret (DingTalk 加签)"), max_length=100, blank=True,
                              help_text=_("The SEC… secret of a DingTalk robot set to 加签; empty for WeCom and unsigned robots."))
    is_active = models.BooleanField(_("in use"), default=True)

    objects = UnitWebhookQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit group robot")
        verbose_name_plural = _("unit group robots")

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()}"


class SmsTemplate(models.Model):
    """A text message template registered with an SMS provider: its code there and the parameters it takes, in order.

    The providers send only registered templates (Alibaba by name=value, Tencent by position), so each purpose
    has one template per provider, configured here once the provider has approved it (grievances/sms.py)."""

    class Provider(models.TextChoices):
        ALIYUN = "aliyun", _("Alibaba Cloud SMS")
        TENCENT = "tencent", _("Tencent Cloud SMS")
        LOG = "log", _("Log only (nothing sent)")

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Deadline reminder to staff")
        REGISTERED = "registered", _("To the petitioner: registered")
        ACCEPTED = "accepted", _("To the petitioner: accepted")
        NOT_ACCEPTED = "not_accepted", _("To the petitioner: not accepted")
        TRANSFERRED = "transferred", _("To the petitioner: transferred")
        EXTENDED = "extended", _("To the petitioner: extended")
        ANSWERED = "answered", _("To the petitioner: answered (办结)")
        CODE = "code", _("To the petitioner: one-time code")

    # What each purpose can fill in: a template may take any of them, in the order its text needs.
    PARAMETERS = {
        Purpose.REMINDER: ("number", "village", "deadline", "state"),
        Purpose.REGISTERED: ("number", "link"),
        Purpose.ACCEPTED: ("number", "due"),
        Purpose.NOT_ACCEPTED: ("number", "reason"),
        Purpose.TRANSFERRED: ("number", "unit"),
        Purpose.EXTENDED: ("number", "reason", "due"),
        Purpose.ANSWERED: ("number", "link"),
        Purpose.CODE: ("code",),
    }

    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    code = models.CharField(_("template code"), max_length=50, help_text=_("As the provider lists it: SMS_123456789 (Alibaba) or 1234567 (Tencent)."))
    parameters = models.CharField(_("parameters, in order"), max_length=200, help_text=_("Comma-separated, e.g. number,village,deadline,state."))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [models.UniqueConstraint(fields=["provider", "purpose"], name="sms_template_per_purpose")]

    def __str__(self):
        return f"{self.get_provider_display()} {self.get_purpose_display()} {self.code}"

    @property
    def param_names(self) -> list[str]:
        return [name.strip() for name in self.parameters.split(",") if name.strip()]

    def clean(self):
        allowed = self.PARAMETERS.get(self.purpose, ())
        unknown = [name for name in self.param_names if name not in allowed]
        if unknown:
            raise ValidationError({"parameters": _("Unknown parameters %(unknown)s: this purpose fills in %(allowed)s.") % {
                "unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}})

    @classmethod
    def for_purpose(cls, purpose: str) -> "SmsTemplate | None":
        """The template in use for the configured provider (settings.SMS_PROVIDER), if one is configured."""
        return cls.objects.filter(provider=settings.SMS_PROVIDER, purpose=purpose, is_active=True).first()


class SmsQuietHours(models.Model):
    """When staff are not texted (default 22:00–07:30): their SMS reminders wait until the end of it, except
    overdue alerts when the administrator marks them urgent. One row, edited in the admin."""

    starts = models.TimeField(_("quiet from"), default=datetime.time(22, 0))
    ends = models.TimeField(_("quiet until"), default=datetime.time(7, 30))
    overdue_is_urgent = models.BooleanField(_("overdue alerts are urgent (sent at any hour)"), default=False)

    class Meta:
        verbose_name = _("SMS quiet hours")
        verbose_name_plural = _("SMS quiet hours")

    def __str__(self):
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"

    @classmethod
    def current(cls) -> "SmsQuietHours":
        return cls.objects.order_by("pk").first() or cls()

    def send_at(self, moment: datetime.datetime, *, overdue: bool = False) -> datetime.datetime:
        """`moment`, or the end of the quiet hours it falls in (local time)."""
        if overdue and self.overdue_is_urgent:
            return moment
        local = timezone.localtime(moment)
        clock = local.time()
        quiet = (self.starts <= clock or clock < self.ends) if self.starts > self.ends else (self.starts <= clock < self.ends)
        if not quiet:
            return moment
        day = local.date() + datetime.timedelta(days=1) if self.starts > self.ends and clock >= self.starts else local.date()
        return timezone.make_aware(datetime.datetime.combine(day, self.ends), local.tzinfo)


class OneTimeCode(models.Model):
    """A code texted to a phone, proving that whoever types it holds the phone: only its keyed hash is kept; it
    lasts minutes and a few wrong tries."""

    TRIES = 5

    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        abstract = True

    def usable(self, now) -> bool:
        return self.used_at is None and self.expires_at >= now and self.attempts < self.TRIES


class LookupCode(OneTimeCode):
    """The petitioner's code on the lookup page, for their rating (grievances/petitioner.py)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="lookup_codes")

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["case", "-created_at"], name="lookup_code_latest")]

    def __str__(self):
        return f"{self.case} {self.created_at:%Y-%m-%d %H:%M}"


class SubmissionCode(OneTimeCode):
    """The code of a phone that submits a matter online (grievances/online.py)."""

    phone_hash = models.CharField(_("phone lookup hash"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("submission code")
        verbose_name_plural = _("submission codes")

    def __str__(self):
        return f"{self.phone_hash[:8]} {self.created_at:%Y-%m-%d %H:%M}"
