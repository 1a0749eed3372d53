"""What `make run` promises a new user: every demo login it prints exists and logs in, the staff have
e-mail addresses, a system administrator sees the deliveries, and the demo units' group robots post to
the demo's own receiver on this machine — here a real loopback server, through the real delivery code."""

import io
import logging
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from demo import county
from grievances import reminders
from grievances.models import Delivery, UnitWebhook

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.demo_build]  # the robot receiver is a live server in another thread


def usernames(label: str) -> list[str]:
    """The usernames of one printed line: `jb01…jb10` is a range."""
    numbered = re.fullmatch(r"(\D+)(\d+)…\1(\d+)", label)
    if not numbered:
        return [label]
    prefix, first, last = numbered.groups()
    return [f"{prefix}{n:0{len(first)}d}" for n in range(int(first), int(last) + 1)]


@pytest.fixture
def seeded(migration_data, live_server, settings):
    """The demo seeded as `make run` seeds it, its robots posting to the live server; returns the printed text."""
    settings.DEBUG = True  # as in `make run`: seed_demo seeds, and the robot receiver answers
    out = io.StringIO()
    call_command("seed_demo", "--robot-url", f"{live_server.url}/demo/robot/", "--no-flag-pass", stdout=out)
    return out.getvalue()


def printed_logins(text: str) -> list[str]:
    _title, *lines = text.splitlines()
    return [username for line in lines for username in usernames(line.split()[0])]


def test_every_demo_login_is_printed_and_logs_in(seeded, client):
    printed = printed_logins(seeded)
    assert len(printed) == len(set(printed))
    # Every account of the demo but the other 199 cadres, of whom gb001 stands for all.
    other_cadres = User.objects.filter(groups__name=Role.CADRE.value).exclude(username=county.DEMO_CADRE_USERNAME)
    assert set(printed) == set(User.objects.exclude(pk__in=other_cadres).values_list("username", flat=True))
    assert "jb01…jb10" in seeded and "jb05" not in seeded  # the township handlers as one range line
    assert re.search(r"^  xitong +系统管理员", seeded, re.MULTILINE)
    assert User.objects.get(username="xitong").is_superuser
    for username in printed:
        response = client.post(reverse("accounts:login"), {"username": username, "password": county.DEMO_PASSWORD})
        cadre_only = User.objects.get(username=username).roles == {Role.CADRE}
        landing = reverse("work:home") if cadre_only else reverse("dashboards:home")  # a cadre lands on 我的工作
        assert response.status_code == 302 and response["Location"] == landing, username
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
        client.post(reverse("accounts:logout"))


def test_the_demo_staff_have_e_mail_addresses_that_reach_nobody(seeded):
    staff = User.objects.exclude(groups__name=Role.CADRE.value)
    assert staff.count() == 16  # the five role logins, the ten township handlers and the system administrator
    assert not staff.filter(email="").exists()
    assert all(email.endswith(".example") for email in staff.values_list("email", flat=True))  # reserved by RFC 2606


def test_a_reminder_reaches_a_units_robot_on_the_loopback_receiver_and_shows_in_the_admin(seeded, live_server, client, caplog):
    robots = UnitWebhook.objects.select_related("unit")
    assert robots.count() == len(county.ROBOT_UNITS)
    assert all(robot.url == f"{live_server.url}/demo/robot/{robot.unit_id}/" for robot in robots)

    assert reminders.sweep() > 0
    webhooks = Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK)
    emails = Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
    assert webhooks.exists() and emails.exists()
    with caplog.at_level(logging.INFO, logger="demo.robot"):
        while reminders.dispatch():
            pass

    # The real delivery code posted each robot message to the receiver and recorded it as sent.
    assert set(webhooks.values_list("status", flat=True)) == {Delivery.Status.SENT}
    received = [record.getMessage() for record in caplog.records if record.name == "demo.robot"]
    assert len(received) == webhooks.count()
    delivery = webhooks.select_related("reminder__case", "reminder__recipient__unit").first()
    assert any(delivery.reminder.case.number in line and delivery.reminder.recipient.unit.name in line for line in received)
    # The e-mails went to the staff's addresses.
    assert set(emails.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert len(mail.outbox) == emails.count()
    assert {to for message in mail.outbox for to in message.to} <= set(User.objects.values_list("email", flat=True)) - {""}

    # The system administrator sees every delivery, of both channels, in the Django admin.
    client.force_login(User.objects.get(username="xitong"))
    page = client.get(reverse("admin:grievances_delivery_changelist"))
    assert page.status_code == 200
    assert page.context["cl"].result_count == Delivery.objects.count()


def test_the_demo_robots_never_post_off_this_machine(migration_data, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="robot"):
        call_command("seed_demo", "--robot-url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", stdout=io.StringIO())
    assert not UnitWebhook.objects.exists()
    with pytest.raises(ValueError):
        county.build(robot_url="http://10.0.0.1/demo/robot/")


def test_the_robot_receiver_exists_only_with_debug_on(client, settings):
    settings.DEBUG = False
    assert client.post(reverse("demo:robot", args=[1]), "{}", content_type="application/json").status_code == 404
