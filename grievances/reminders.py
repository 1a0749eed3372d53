"""The deadline engine: a sweep that writes reminders once, and a dispatcher that delivers them.

Both are driven by beat (outreach/settings.py CELERY_BEAT_SCHEDULE) and read everything from the
database, so nothing is lost when Redis or a worker is down: the next run picks up where the last
stopped. Deliveries are claimed with a conditional update and a lease; a worker that dies mid-send
leaves a lease that expires, and the delivery is tried again.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import notices, sms
from .models import Case, Delivery, NotificationPreference, Reminder, SmsQuietHours, SmsTemplate, UnitWebhook

log = logging.getLogger(__name__)


def _insert_ignoring_duplicates(table: str, columns: str, select_sql: str, params: list) -> int:
    """INSERT … SELECT that skips rows a unique constraint already holds; returns rows inserted."""
    if connection.vendor == "postgresql":
        sql = f"INSERT INTO {table} ({columns}) {select_sql} ON CONFLICT DO NOTHING"
    else:
        sql = f"INSERT OR IGNORE INTO {table} ({columns}) {select_sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Write the reminders due now; returns how many were new. Safe to run any number of times at once.

    Two set-based statements, whatever the number of cases: the reminders, then their deliveries. Nothing is
    written when "now" is implausibly ahead of the database's own clock (see _ahead_of_the_database).
    """
    now = now or timezone.now()
    if _ahead_of_the_database(now):
        return 0
    today = timezone.localtime(now).date()
    ops = connection.ops
    at, day = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value
    thresholds = sorted(set(settings.REMINDER_THRESHOLDS))
    dates = [day(today + datetime.timedelta(days=t)) for t in thresholds]
    marks = ", ".join(["%s"] * len(dates))
    threshold_of = " ".join(f"WHEN {{due}} = %s THEN {t}" for t in thresholds)

    def due_cases(deadline: str, column: str, statuses: tuple[str, ...]) -> tuple[str, list]:
        status_marks = ", ".join(["%s"] * len(statuses))
        sql = (
            f"SELECT id AS case_id, '{deadline}' AS deadline, {column} AS due, "  # nosec B608 - table and column names from model meta, values as parameters
            f"CASE WHEN {column} < %s THEN {Reminder.OVERDUE} {threshold_of.format(due=column)} END AS threshold, "
            f"leader_id, supervising_leader_id, registered_by_id FROM {Case._meta.db_table} "
            f"WHERE status IN ({status_marks}) AND ({column} < %s OR {column} IN ({marks}))"
        )
        return sql, [day(today), *dates, *statuses, day(today), *dates]

    accept_sql, accept_params = due_cases(Reminder.Deadline.ACCEPT, "accept_due", (Case.Status.REGISTERED,))
    resolve_sql, resolve_params = due_cases(Reminder.Deadline.RESOLVE, "resolve_due", Case.RUNNING_STATUSES)
    # 回访: an answered case the petitioner has not rated by its callback day (a case is in one of the three at a time).
    callback_sql, callback_params = due_cases(Reminder.Deadline.CALLBACK, "callback_due", (Case.Status.RESOLVED,))
    handlers = Case.handlers.through._meta.db_table
    callback = Reminder.Deadline.CALLBACK.value
    # Who is told: the handlers and the leader; before assignment, the registrar; once overdue, the supervisor too.
    # A callback is the petition office's: the registrar alone.
    select = f"""
        WITH due AS ({accept_sql} UNION ALL {resolve_sql} UNION ALL {callback_sql}),
        told AS (
            SELECT due.case_id, h.user_id FROM due JOIN {handlers} h ON h.case_id = due.case_id WHERE due.deadline <> '{callback}'
            UNION SELECT case_id, leader_id FROM due WHERE leader_id IS NOT NULL AND deadline <> '{callback}'
            UNION SELECT case_id, registered_by_id FROM due WHERE deadline = '{callback}'
                OR (leader_id IS NULL AND NOT EXISTS (SELECT 1 FROM {handlers} h WHERE h.case_id = due.case_id))
            UNION SELECT case_id, supervising_leader_id FROM due
                WHERE threshold = {Reminder.OVERDUE} AND supervising_leader_id IS NOT NULL AND deadline <> '{callback}'
        )
        SELECT due.case_id, due.deadline, due.due, due.threshold, told.user_id, %s
        FROM due JOIN told ON told.case_id = due.case_id JOIN {User._meta.db_table} u ON u.id = told.user_id AND u.is_active
    """  # nosec B608 - table and column names from model meta, values as parameters
    with transaction.atomic():  # reminders and their deliveries together, or neither
        created = _insert_ignoring_duplicates(
            Reminder._meta.db_table, "case_id, deadline, due, threshold, recipient_id, created_at", select,
            [*accept_params, *resolve_params, *callback_params, at],
        )
        _plan_deliveries(at, now)
    if created:
        case_ids = sorted(set(Reminder.objects.filter(created_at=now).values_list("case_id", flat=True)))
        log.info("sweep wrote %s reminders about %s cases", created, len(case_ids), extra={"case_ids": case_ids[:100]})
    return created


def _ahead_of_the_database(now: datetime.datetime) -> bool:
    """True, with an error line, when `now` is more than REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS ahead of
    PostgreSQL's clock: a worker whose clock ran 40 days ahead once wrote hundreds of false "overdue" reminders,
    with deliveries, that no later sweep takes back. Being behind is harmless (reminders come late, not false).
    clock_timestamp(), not now(): inside a transaction now() is the time it began. SQLite (the demo) shares the
    app's own clock, so there is nothing to compare."""
    limit = settings.REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS
    if not limit or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        database_now = cursor.fetchone()[0]
    lead = now - database_now
    if lead <= datetime.timedelta(seconds=limit):
        return False
    log.error("sweep refused: the clock reads %s, %s ahead of the database's %s; no reminders written. Check the "
              "clocks (NTP) of this host and the database server", now.isoformat(), lead, database_now.isoformat(),
              extra={"now": now.isoformat(), "database_now": database_now.isoformat(), "lead_seconds": round(lead.total_seconds())})
    return True


def _plan_deliveries(at, now: datetime.datetime) -> None:
    """Deliveries for the reminders this sweep inserted (they carry its timestamp; skipped ones do not)."""
    reminder, user = Reminder._meta.db_table, User._meta.db_table
    preference, robot = NotificationPreference._meta.db_table, UnitWebhook._meta.db_table
    columns = "reminder_id, channel, status, attempts, last_error, next_attempt_at"
    email = f"""
        SELECT r.id, 'email', 'pending', 0, '', %s FROM {reminder} r
        JOIN {user} u ON u.id = r.recipient_id LEFT JOIN {preference} p ON p.user_id = u.id
        WHERE r.created_at = %s AND u.email <> '' AND COALESCE(p.email, TRUE) AND NOT COALESCE(p.daily_digest, FALSE)
    """  # nosec B608 - table and column names from model meta, values as parameters
    # The unit's group gets one message per reminder, and only about cases the unit works
    # (its handlers' and leader's reminders, not a supervisor's or a registrar's).
    handlers, case = Case.handlers.through._meta.db_table, Case._meta.db_table
    def works_case(alias: str, pref: str) -> str:
        """The person is the case's leader or one of its handlers, and has not turned the robot off."""
        return (
            f"COALESCE({pref}.webhook, TRUE) AND (c.leader_id = {alias}.id OR EXISTS "  # nosec B608 - table and column names from model meta, values as parameters
            f"(SELECT 1 FROM {handlers} h WHERE h.case_id = c.id AND h.user_id = {alias}.id))"
        )

    webhook = f"""
        SELECT r.id, 'webhook', 'pending', 0, '', %s FROM {reminder} r
        JOIN {user} u ON u.id = r.recipient_id JOIN {robot} w ON w.unit_id = u.unit_id AND w.is_active
        JOIN {case} c ON c.id = r.case_id
        LEFT JOIN {preference} p ON p.user_id = u.id
        WHERE r.created_at = %s AND {works_case("u", "p")}
          AND r.recipient_id = (
              SELECT MIN(r2.recipient_id) FROM {reminder} r2 JOIN {user} u2 ON u2.id = r2.recipient_id
              LEFT JOIN {preference} p2 ON p2.user_id = u2.id
              WHERE r2.case_id = r.case_id AND r2.deadline = r.deadline AND r2.due = r.due
                AND r2.threshold = r.threshold AND u2.unit_id = u.unit_id AND {works_case("u2", "p2")}
          )
    """  # nosec B608 - table and column names from model meta, values as parameters
    for select in (email, webhook):
        _insert_ignoring_duplicates(Delivery._meta.db_table, columns, select, [at, at])
    if SmsTemplate.for_purpose(SmsTemplate.Purpose.REMINDER) is None:
        return  # no template for the configured provider: nothing could be sent
    # Text messages to the person's own phone, held through the quiet hours (overdue alerts too, unless urgent).
    moment = connection.ops.adapt_datetimefield_value
    quiet = SmsQuietHours.current()
    held, overdue = moment(quiet.send_at(now)), moment(quiet.send_at(now, overdue=True))
    texts = f"""
        SELECT r.id, 'sms', 'pending', 0, '', CASE WHEN r.threshold = {Reminder.OVERDUE} THEN %s ELSE %s END FROM {reminder} r
        JOIN {user} u ON u.id = r.recipient_id LEFT JOIN {preference} p ON p.user_id = u.id
        WHERE r.created_at = %s AND u.phone <> '' AND COALESCE(p.sms, TRUE)
    """  # nosec B608 - table and column names from model meta, values as parameters
    _insert_ignoring_duplicates(Delivery._meta.db_table, columns, texts, [overdue, held, at])


def message(reminder: Reminder) -> str:
    return _("[Petition reminder] Case %(number)s (%(village)s): %(deadline)s %(state)s.") % _values(reminder)


def _send_email(reminder: Reminder) -> None:
    text = message(reminder)
    send_mail(text[:120], text, settings.DEFAULT_FROM_EMAIL, [reminder.recipient.email])


def signed_url(robot: UnitWebhook, *, now: datetime.datetime | None = None) -> str:
    """The robot's address, with DingTalk's 加签 when it has a secret: &timestamp=<ms>&sign=<base64 HMAC-SHA256 of
    "timestamp\nsecret", URL-encoded>, as DingTalk documents for custom robots."""
    if not robot.secret:
        return robot.url
    stamp = str(int((now or timezone.now()).timestamp() * 1000))
    digest = hmac.new(robot.secret.encode(), f"{stamp}\n{robot.secret}".encode(), hashlib.sha256).digest()
    return f"{robot.url}{'&' if '?' in robot.url else '?'}timestamp={stamp}&sign={urllib.parse.quote_plus(base64.b64encode(digest))}"


def _send_webhook(reminder: Reminder) -> None:
    robot = UnitWebhook.objects.get(unit_id=reminder.recipient.unit_id, is_active=True)
    if not robot.url.startswith(("https://", "http://")):
        raise ValueError(f"webhook address must be http(s): {robot.url[:40]}")
    # 企业微信 and 钉钉 group robots both take {"msgtype": "text", "text": {"content": ...}}.
    body = json.dumps({"msgtype": "text", "text": {"content": message(reminder)}}, ensure_ascii=False).encode()
    request = urllib.request.Request(signed_url(robot), data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # nosec B310 - an admin-configured http(s) robot address, scheme checked above
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"robot answered errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def _values(reminder: Reminder) -> dict[str, str]:
    """What a reminder's SMS template fills in (SmsTemplate.PARAMETERS)."""
    if reminder.is_overdue:
        state = _("overdue since %(due)s") % {"due": reminder.due}
    elif reminder.threshold == 0:
        state = _("due today")
    else:
        state = _("due %(due)s, %(days)s days left") % {"due": reminder.due, "days": reminder.threshold}
    return {"number": reminder.case.number, "village": reminder.case.village.name, "deadline": str(reminder.get_deadline_display()), "state": state}


def _send_sms(reminder: Reminder) -> None:
    sms.send_for(SmsTemplate.Purpose.REMINDER, reminder.recipient.phone, _values(reminder))


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.WEBHOOK: _send_webhook, Delivery.Channel.SMS: _send_sms}


def claim_one(*, now: datetime.datetime | None = None) -> tuple[int, datetime.datetime] | None:
    """Take the next due delivery, by a conditional update only one worker wins; the lease starts now."""
    now = now or timezone.now()
    # A worker that died mid-send left its lease: let the delivery be tried again.
    Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now).update(status=Delivery.Status.RETRYING)
    due = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], next_attempt_at__lte=now)
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:20]:
        lease = now + datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        won = Delivery.objects.filter(pk=pk, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]).update(
            status=Delivery.Status.SENDING, lease_until=lease, attempts=F("attempts") + 1
        )
        if won:
            return pk, lease
    return None


def deliver(delivery_id: int, lease: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """Send one claimed delivery and record the outcome — only if our claim still holds."""
    fields = {"lease_until": None}
    delivery = None
    try:
        delivery = Delivery.objects.select_related("reminder__case__village", "reminder__recipient", "notice__case__unit").get(pk=delivery_id)
        if delivery.notice_id:
            notices.send(delivery.notice)  # a text to the petitioner
        else:
            SENDERS[delivery.channel](delivery.reminder)
    except Exception as error:  # noqa: BLE001 - any failure of the channel is recorded, not raised
        now = now or timezone.now()
        attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0
        fields["last_error"] = f"{error.__class__.__name__}: {error}"[:1000]
        if attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            fields["status"] = Delivery.Status.FAILED
        else:
            fields["status"] = Delivery.Status.RETRYING
            fields["next_attempt_at"] = now + datetime.timedelta(seconds=settings.DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
            if delivery is not None and delivery.channel == Delivery.Channel.SMS:  # a retry waits out the quiet hours too
                overdue = delivery.reminder is not None and delivery.reminder.is_overdue
                fields["next_attempt_at"] = SmsQuietHours.current().send_at(fields["next_attempt_at"], overdue=overdue)
    else:
        fields.update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    kept = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING, lease_until=lease).update(**fields)
    case_id = (delivery.reminder or delivery.notice).case_id if delivery else None
    log.log(logging.INFO if fields["status"] == Delivery.Status.SENT else logging.WARNING,
            "delivery %s of case %s: %s%s", delivery_id, case_id, fields["status"], "" if kept else " (claim lost, not recorded)",
            extra={"case_id": case_id, "delivery_id": delivery_id, "error": fields.get("last_error", "")})
    return fields["status"]


def dispatch(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Claim and send what is due, one at a time, so no lease outlives its send; returns how many were tried."""
    tried = 0
    while tried < limit:
        claimed = claim_one(now=now)
        if claimed is None:
            break
        deliver(*claimed, now=now)
        tried += 1
    return tried


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail a day to those who chose it, listing their reminders not yet in a digest."""
    now = now or timezone.now()
    sent = 0
    preferences = NotificationPreference.objects.filter(daily_digest=True, email=True, user__is_active=True).exclude(user__email="")
    for preference in preferences.select_related("user"):
        pending = Reminder.objects.filter(recipient=preference.user, digested_at__isnull=True, created_at__lte=now)
        batch = list(pending.select_related("case__village").order_by("created_at"))
        if not batch:
            continue
        try:
            lines = "\n".join(message(reminder) for reminder in batch)
            send_mail(_("[Petition reminders] %(count)s today") % {"count": len(batch)}, lines, settings.DEFAULT_FROM_EMAIL, [preference.user.email])
        except Exception:  # noqa: BLE001 - one person's mail server trouble must not stop the others' digests
            log.exception("digest for user %s failed; it will be tried with tomorrow's", preference.user_id)
            continue
        Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(digested_at=now)
        sent += 1
    return sent
