"""The deadline engine: a sweep that writes reminders once, and a dispatcher that delivers them.

Both are driven by beat (outreach/settings.py CELERY_BEAT_SCHEDULE) and read everything from the
database, so nothing is lost when Redis or a worker is down: the next run picks up where the last
stopped. Deliveries are claimed with a conditional update and a lease; a worker that dies mid-send
leaves a lease that expires, and the delivery is tried again.
"""

import datetime
import json
import logging
import urllib.error
import urllib.request
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Case, Delivery, NotificationPreference, Reminder, UnitWebhook

log = logging.getLogger(__name__)

RUNNING = [Case.Status.ACCEPTED, Case.Status.ASSIGNED, Case.Status.IN_PROGRESS]


def due_cases_q(today: datetime.date, dates: list[datetime.date]) -> Q:
    """Cases whose running deadline falls on one of the threshold dates, or has passed."""
    accept = Q(status=Case.Status.REGISTERED) & (Q(accept_due__in=dates) | Q(accept_due__lt=today))
    resolve = Q(status__in=RUNNING) & (Q(resolve_due__in=dates) | Q(resolve_due__lt=today))
    return accept | resolve


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Write the reminders due today; returns how many were new. Safe to run any number of times at once."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    dates = [today + datetime.timedelta(days=t) for t in settings.REMINDER_THRESHOLDS]
    cases = list(
        Case.objects.filter(due_cases_q(today, dates))
        .values_list("pk", "status", "accept_due", "resolve_due", "leader_id", "supervising_leader_id", "registered_by_id")
    )
    handlers = defaultdict(set)
    for case_id, user_id in Case.handlers.through.objects.filter(case__in=Case.objects.filter(due_cases_q(today, dates))).values_list("case_id", "user_id"):
        handlers[case_id].add(user_id)
    rows = []
    for pk, status, accept_due, resolve_due, leader, supervisor, registrar in cases:
        deadline, due = (Reminder.Deadline.ACCEPT, accept_due) if status == Case.Status.REGISTERED else (Reminder.Deadline.RESOLVE, resolve_due)
        days = (due - today).days
        threshold = days if days >= 0 else Reminder.OVERDUE
        recipients = handlers[pk] | ({leader} if leader else set())
        if not recipients:
            recipients = {registrar}  # not yet assigned: whoever registered it chases the acceptance
        if threshold == Reminder.OVERDUE and supervisor:
            recipients.add(supervisor)
        rows += [Reminder(case_id=pk, deadline=deadline, due=due, threshold=threshold, recipient_id=r, created_at=now) for r in recipients]
    Reminder.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    # The rows this sweep inserted carry its timestamp; conflicting ones (already reminded) were skipped.
    new = list(Reminder.objects.filter(created_at=now).values_list("pk", "recipient_id"))
    _plan_deliveries(new)
    return len(new)


def _plan_deliveries(reminders: list[tuple[int, int]]) -> None:
    recipients = {user for _pk, user in reminders}
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=recipients)}
    people = {u.pk: u for u in User.objects.filter(pk__in=recipients).only("pk", "email", "unit_id")}
    robots = set(UnitWebhook.objects.filter(is_active=True, unit__in={u.unit_id for u in people.values() if u.unit_id}).values_list("unit_id", flat=True))
    deliveries = []
    for reminder, user_id in reminders:
        preference, person = preferences.get(user_id, NotificationPreference()), people[user_id]
        if preference.email and not preference.daily_digest and person.email:
            deliveries.append(Delivery(reminder_id=reminder, channel=Delivery.Channel.EMAIL))
        if preference.webhook and person.unit_id in robots:
            deliveries.append(Delivery(reminder_id=reminder, channel=Delivery.Channel.WEBHOOK))
    Delivery.objects.bulk_create(deliveries, batch_size=5000, ignore_conflicts=True)


def message(reminder: Reminder) -> str:
    case = reminder.case
    deadline = reminder.get_deadline_display()
    if reminder.is_overdue:
        state = _("overdue since %(due)s") % {"due": reminder.due}
    elif reminder.threshold == 0:
        state = _("due today")
    else:
        state = _("due %(due)s, %(days)s days left") % {"due": reminder.due, "days": reminder.threshold}
    return _("[Petition reminder] Case %(number)s (%(village)s): %(deadline)s %(state)s.") % {
        "number": case.number, "village": case.village.name, "deadline": deadline, "state": state,
    }


def _send_email(reminder: Reminder) -> None:
    text = message(reminder)
    send_mail(text[:120], text, settings.DEFAULT_FROM_EMAIL, [reminder.recipient.email])


def _send_webhook(reminder: Reminder) -> None:
    robot = UnitWebhook.objects.get(unit_id=reminder.recipient.unit_id, is_active=True)
    # 企业微信 and 钉钉 group robots both take {"msgtype": "text", "text": {"content": ...}}.
    body = json.dumps({"msgtype": "text", "text": {"content": message(reminder)}}, ensure_ascii=False).encode()
    request = urllib.request.Request(robot.url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 - admin-configured URL
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"robot answered errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.WEBHOOK: _send_webhook}


def claim(*, now: datetime.datetime | None = None, batch: int = 100) -> list[int]:
    """Take due deliveries for this worker: each by a conditional update that only one worker wins."""
    now = now or timezone.now()
    # A worker that died mid-send left its lease: let the delivery be tried again.
    Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now).update(status=Delivery.Status.RETRYING)
    candidates = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], next_attempt_at__lte=now)
    claimed = []
    for pk in candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:batch]:
        won = Delivery.objects.filter(pk=pk, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]).update(
            status=Delivery.Status.SENDING, lease_until=now + datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
        if won:
            claimed.append(pk)
    return claimed


def deliver(delivery_id: int, *, now: datetime.datetime | None = None) -> str:
    """Send one claimed delivery; a failure is recorded and retried later, and never stops the others."""
    delivery = Delivery.objects.select_related("reminder__case__village", "reminder__recipient").get(pk=delivery_id)
    try:
        SENDERS[delivery.channel](delivery.reminder)
    except Exception as error:  # noqa: BLE001 - any failure of the channel is recorded, not raised
        now = now or timezone.now()
        delivery.last_error = f"{error.__class__.__name__}: {error}"[:1000]
        if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.status = Delivery.Status.RETRYING
            delivery.next_attempt_at = now + datetime.timedelta(seconds=settings.DELIVERY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
        log.warning("delivery %s of case %s failed (attempt %s): %s", delivery.pk, delivery.reminder.case_id, delivery.attempts, delivery.last_error)
    else:
        delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, timezone.now(), ""
    delivery.lease_until = None
    delivery.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at", "lease_until"])
    return delivery.status


def dispatch(*, now: datetime.datetime | None = None) -> int:
    """Claim and send what is due; returns how many were tried."""
    claimed = claim(now=now)
    for pk in claimed:
        deliver(pk, now=now)
    return len(claimed)


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail a day to those who chose it, listing the reminders written since their last digest."""
    now = now or timezone.now()
    sent = 0
    preferences = NotificationPreference.objects.filter(daily_digest=True, email=True).exclude(user__email="").select_related("user")
    for preference in preferences:
        since = preference.last_digest_at or now - datetime.timedelta(days=1)
        batch = list(Reminder.objects.filter(recipient=preference.user, created_at__gt=since, created_at__lte=now)
                     .select_related("case__village").order_by("created_at"))
        if batch:
            lines = "\n".join(message(reminder) for reminder in batch)
            send_mail(_("[Petition reminders] %(count)s today") % {"count": len(batch)}, lines, settings.DEFAULT_FROM_EMAIL, [preference.user.email])
            sent += 1
        NotificationPreference.objects.filter(pk=preference.pk).update(last_digest_at=now)
    return sent
