"""Scale-out, proved: two gunicorn servers and two Celery workers on one PostgreSQL and one Redis,
connected as production's application role (it owns no table: deploy/app-role-grants.sql).

Handlers register cases through both web servers at once (each session alternating between them),
then sweeps and dispatches are sent many times over to workers that both take the reminders queue.
Case numbers must stay unique and consecutive, and every reminder must reach the unit's group
robot exactly once.
"""

import collections
import datetime
import email
import http.cookiejar
import re
import socketserver
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import Role
from grievances import services
from grievances.models import Case, CaseCategory, Delivery, Reminder, UnitWebhook
from tests.celery_processes import Servers, idle, log_tail, wait_until
from tests.factories import TEST_PASSWORD, UnitFactory, UserFactory

from .grievances.test_reminders import Robot

pytestmark = pytest.mark.django_db(transaction=True)

SESSIONS, CASES_PER_SESSION = 6, 6
class Browser:
    """One signed-in person: a cookie jar good on both servers (the session lives in PostgreSQL).
    Each form is fetched from one server and posted to the other, taking turns."""

    def __init__(self, servers):
        self.servers, self.posts = servers, 0
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url, data=None):
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        with self.opener.open(request, timeout=30) as response:  # nosec B310 - loopback test servers
            return response.url, response.read().decode()

    def post(self, path, data: dict) -> tuple[str, str]:
        """Where the answer landed after redirects, and its page."""
        self.posts += 1
        form_server, post_server = self.servers[self.posts % 2], self.servers[(self.posts + 1) % 2]
        _, form = self.open(form_server + path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        return self.open(post_server + path, urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode())


def case_number(text: str) -> str:
    return re.search(r"XF-\d{4}-\d{6}", text).group(0)


class SmtpSink:
    """A mail server on loopback that accepts every message (enough SMTP for Django's backend)."""

    def __init__(self):
        self.messages, sink = [], self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                self.say("220 sink")
                while line := self.rfile.readline():
                    command = line.decode().strip().upper()
                    if command.startswith("DATA"):
                        self.say("354 go on")
                        data = b"".join(iter(self.rfile.readline, b".\r\n"))
                        sink.messages.append(email.message_from_bytes(data))
                        self.say("250 kept")
                    elif command.startswith("QUIT"):
                        self.say("221 bye")
                        return
                    else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                        self.say("250 ok")

            def say(self, reply):
                self.wfile.write(reply.encode() + b"\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.url = f"smtp://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def by_recipient_and_case(self) -> collections.Counter:
        return collections.Counter((m["To"], case_number(m.get_payload(decode=True).decode())) for m in self.messages)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cluster(tmp_path, app_role, broker):
    """Two web servers and two workers; yields the servers' addresses, the log folder, the database role
    they connect as, and the mail server the workers send through."""
    mail = SmtpSink()
    processes = Servers(tmp_path, app_role[1], mail.url)
    try:
        servers = [processes.web("web1"), processes.web("web2")]
        processes.worker("worker1", "default,reminders,imports,rollups")
        processes.worker("worker2", "reminders")
        yield servers, tmp_path, app_role[0], mail, broker
    finally:
        processes.stop()
        mail.stop()


@pytest.fixture
def county_office(regions, settings):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # what the servers check passwords with
    office = UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)
    return [UserFactory(username=f"intake{i}", unit=office, roles=[Role.HANDLER]) for i in range(SESSIONS)]


def register_cases(servers, username, village_code, category_id) -> list[str]:
    browser = Browser(servers)
    landed, _ = browser.post("/accounts/login/", {"username": username, "password": TEST_PASSWORD})
    assert "/accounts/login/" not in landed, f"{username} could not sign in"
    numbers = []
    for n in range(CASES_PER_SESSION):
        form = {"type": "livelihood", "source": "in_person", "category": category_id, "summary": f"{username} 第{n}件 路灯坏了",
                "petitioner_name": "王建国", "petitioner_phone": "13812345678", "head_count": 1, "village": village_code}
        landed, page = browser.post("/cases/new/", form)
        if 'name="repeat_step"' in page:  # shown as a possible repeat of an earlier one (grievances/repeats.py): a new matter
            landed, page = browser.post("/cases/new/", {**form, "repeat_step": "1", "repeat_of": ""})
        assert re.search(r"/cases/\d+/$", landed), f"registration by {username} did not land on the case: {landed}"
        numbers.append(case_number(page))
    return numbers


def test_two_web_servers_and_two_workers_keep_numbers_unique_and_deliver_each_reminder_once(
    migration_data, cluster, county_office, regions, unit_a
):
    servers, logs, role, mail, broker = cluster
    category = CaseCategory.objects.filter(is_active=True).first()

    # Six handlers register at the same time, every request going to the other server than the last.
    with ThreadPoolExecutor(SESSIONS) as pool:
        shown = [n for numbers in pool.map(lambda user: register_cases(servers, user.username, regions["village_a"].code, category.pk),
                                           county_office) for n in numbers]

    total = SESSIONS * CASES_PER_SESSION
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert len(numbers) == total and len(set(numbers)) == total
    assert sorted(shown) == numbers  # each page showed the number its case got
    year = timezone.localdate().year
    assert numbers == [f"XF-{year}-{i:06d}" for i in range(1, total + 1)]  # from the locked counter: no gaps, no repeats
    for log in ("web1.log", "web2.log"):
        assert (logs / log).read_text().count("POST /cases/new/ 302") > 0, f"{log} took no registration"
    with connection.cursor() as cursor:  # the servers kept their connections, as production's role
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [role])
        assert cursor.fetchone()[0] >= 2

    # The cases are worked by township A, whose group robot is told about them; their limits come near.
    robot = Robot([])
    UnitWebhook.objects.create(unit=unit_a, kind=UnitWebhook.Kind.WECOM, url=robot.url)
    leader = UserFactory(unit=unit_a, roles=[Role.LEADER], email="leader@example.gov.cn")
    handler = UserFactory(unit=unit_a, roles=[Role.HANDLER], email="handler@example.gov.cn")
    intake = county_office[0]
    for case in Case.objects.all():
        services.case_accept(actor=intake, case_id=case.pk)
        services.case_assign(actor=intake, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler])
    Case.objects.update(resolve_due=timezone.localdate() + datetime.timedelta(days=3))

    try:
        # Beat would send one sweep every 15 minutes; here twenty sweeps and dispatches race each other.
        for _ in range(20):
            broker.send_task("grievances.tasks.sweep_deadlines", queue="reminders")
            broker.send_task("grievances.tasks.dispatch_deliveries", queue="reminders")

        # The leader and the handler are each reminded of each case by e-mail; the unit's group once per case.
        deliveries = Delivery.objects.filter(status=Delivery.Status.SENT)
        assert wait_until(lambda: deliveries.count() == total * 3, 90), log_tail(logs)
        # Every sweep and dispatch sent has run before anything is counted.
        assert wait_until(lambda: idle(broker), 60), log_tail(logs)

        assert Reminder.objects.count() == total * 2
        assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.Status.SENT, 1)}
        robot_messages = collections.Counter(case_number(m["text"]["content"]) for m in robot.received)
        assert robot_messages == {number: 1 for number in numbers}
        assert mail.by_recipient_and_case() == {
            (to, number): 1 for number in numbers for to in ("leader@example.gov.cn", "handler@example.gov.cn")}
        for log in ("worker1.log", "worker2.log"):
            assert "grievances.tasks.sweep_deadlines" in (logs / log).read_text(), f"{log} ran no sweep"
    finally:
        robot.stop()
