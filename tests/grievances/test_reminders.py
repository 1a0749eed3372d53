"""Reminders: once per (case, deadline, threshold, person), delivered through every chosen channel, retried, recorded."""

import datetime
import http.server
import json
import threading

import pytest
from django.core import mail
from django.utils import timezone

from grievances import reminders, services
from grievances.models import Case, Delivery, NotificationPreference, Reminder, UnitWebhook


class Robot:
    """A group-robot endpoint on loopback that answers with the given statuses, then 200."""

    def __init__(self, statuses):
        self.statuses, self.received, self.paths = list(statuses), [], []
        robot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                robot.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                robot.paths.append(self.path)
                status = robot.statuses.pop(0) if robot.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"errcode": 0 if status == 200 else 500, "errmsg": "ok"}).encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def robot():
    robots = []

    def start(statuses=()):
        robots.append(Robot(statuses))
        return robots[-1]

    yield start
    for r in robots:
        r.stop()


def due_in(case, days, today):
    Case.objects.filter(pk=case.pk).update(resolve_due=today + datetime.timedelta(days=days))


@pytest.fixture
def running(assigned, handler, leader):
    handler.email, leader.email = "handler@example.gov.cn", "leader@example.gov.cn"
    handler.save(), leader.save()
    services.case_start(actor=handler, case_id=assigned.pk)
    return assigned


def test_a_sweep_reminds_the_handlers_and_leader_once_however_often_it_runs(running, handler, leader):
    today = timezone.localdate()
    due_in(running, 3, today)
    assert reminders.sweep() == 2
    assert reminders.sweep() == 0
    assert reminders.sweep(now=timezone.now() + datetime.timedelta(minutes=5)) == 0
    assert set(Reminder.objects.values_list("recipient", "threshold", "deadline")) == {(handler.pk, 3, "resolve"), (leader.pk, 3, "resolve")}
    assert Delivery.objects.filter(channel=Delivery.Channel.EMAIL).count() == 2


def test_days_between_thresholds_remind_nobody(running):
    due_in(running, 5, timezone.localdate())
    assert reminders.sweep() == 0


def test_an_overdue_case_also_tells_the_supervising_leader(running, supervisor):
    services.case_supervise(actor=supervisor, case_id=running.pk)
    due_in(running, -2, timezone.localdate())
    reminders.sweep()
    assert supervisor.pk in set(Reminder.objects.filter(threshold=Reminder.OVERDUE).values_list("recipient", flat=True))


def test_an_extension_starts_the_thresholds_afresh(running, leader):
    today = timezone.localdate()
    due_in(running, 3, today)
    reminders.sweep()
    services.case_extend(actor=leader, case_id=running.pk, days=4, reason="需要鉴定")  # now due in 7 days
    assert reminders.sweep() == 2
    assert sorted(Reminder.objects.filter(recipient=leader).values_list("threshold", flat=True)) == [3, 7]


def test_email_and_webhook_are_delivered_and_a_failing_robot_is_retried_with_backoff(settings, running, unit_a, robot):
    settings.DELIVERY_BACKOFF_SECONDS = 1
    endpoint = robot([500, 500])
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.WECOM, url=endpoint.url)
    NotificationPreference.objects.create(user=running.leader, webhook=False)  # one robot message: the handler's
    due_in(running, 1, timezone.localdate())
    reminders.sweep()

    now = timezone.now()
    reminders.dispatch(now=now)
    assert len(mail.outbox) == 2  # the robot failing did not hold the e-mails back
    hook = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    assert (hook.status, hook.attempts) == (Delivery.Status.RETRYING, 1) and "500" in hook.last_error
    for _ in range(4):
        now += datetime.timedelta(seconds=10)
        reminders.dispatch(now=now)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.last_error) == (Delivery.Status.SENT, 3, "")
    assert len(endpoint.received) == 3
    assert endpoint.received[0]["msgtype"] == "text" and running.number in endpoint.received[0]["text"]["content"]


def test_a_delivery_that_keeps_failing_ends_failed_with_its_error(settings, running, unit_a, robot):
    settings.DELIVERY_MAX_ATTEMPTS, settings.DELIVERY_BACKOFF_SECONDS = 2, 1
    endpoint = robot([500] * 10)
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.DINGTALK, url=endpoint.url)
    NotificationPreference.objects.create(user=running.leader, email=False, webhook=False)
    due_in(running, 0, timezone.localdate())
    reminders.sweep()
    now = timezone.now()
    for _ in range(3):
        reminders.dispatch(now=now)
        now += datetime.timedelta(seconds=10)
    delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2) and "500" in delivery.last_error


def test_a_claim_is_won_once_and_a_dead_workers_lease_expires(running):
    due_in(running, 3, timezone.localdate())
    reminders.sweep()
    now = timezone.now()
    taken = [reminders.claim_one(now=now), reminders.claim_one(now=now)]
    assert all(taken) and reminders.claim_one(now=now) is None  # a second worker finds nothing to take
    later = now + datetime.timedelta(minutes=3)  # the worker died mid-send: its leases ran out
    again = reminders.claim_one(now=later)
    assert again is not None and again[0] in {pk for pk, _lease in taken}
    # The dead worker's late result does not overwrite the new claim's.
    reminders.deliver(taken[0][0], taken[0][1]) if taken[0][0] != again[0] else reminders.deliver(taken[1][0], taken[1][1])
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).exists()


def test_a_unit_group_gets_one_robot_message_per_reminder_and_only_about_its_cases(running, unit_a, robot, supervisor):
    endpoint = robot()
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.WECOM, url=endpoint.url)
    services.case_supervise(actor=supervisor, case_id=running.pk)  # the supervisor is of township A too
    due_in(running, -1, timezone.localdate())
    reminders.sweep()
    reminders.dispatch()
    assert Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK).count() == 1  # handler, leader, supervisor: one group message
    assert len(endpoint.received) == 1


def test_the_bell_and_the_inbox(client, running, handler):
    due_in(running, 3, timezone.localdate())
    reminders.sweep()
    client.force_login(handler)
    html = client.get("/cases/").content.decode()
    assert 'data-testid="bell"' in html and '<span class="badge text-bg-warning">1</span>' in html
    reminder = Reminder.objects.get(recipient=handler)
    response = client.post(f"/cases/inbox/{reminder.pk}/read/")
    assert response["Location"] == f"/cases/{running.pk}/"
    assert Reminder.objects.get(pk=reminder.pk).read_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_sweeps_and_delivers_through_the_robot(running, unit_a, robot, celery_worker):
    from grievances.tasks import sweep_deadlines
    from tests.celery_processes import log_tail, wait_until

    endpoint = robot()
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.WECOM, url=endpoint.url)
    due_in(running, 7, timezone.localdate())
    sweep_deadlines.delay()
    done = lambda: Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK, status=Delivery.Status.SENT).count() == 1  # noqa: E731
    assert wait_until(done), log_tail(celery_worker)
    assert len(endpoint.received) == 1  # the unit's group hears it once, not once per person


def test_a_leader_who_chose_a_digest_gets_one_mail_a_day_instead_of_single_ones(running, leader):
    NotificationPreference.objects.create(user=leader, daily_digest=True)
    due_in(running, 3, timezone.localdate())
    reminders.sweep()
    reminders.dispatch()
    assert [m.to for m in mail.outbox] == [["handler@example.gov.cn"]]  # the leader's single mail is not sent
    assert reminders.send_digests() == 1
    digest = mail.outbox[-1]
    assert digest.to == ["leader@example.gov.cn"] and running.number in digest.body
    assert reminders.send_digests() == 0  # nothing new since
