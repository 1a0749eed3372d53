"""#21 part 2: reads from a real streaming replica (core/replica.py). `make test` starts a hot standby of the test
PostgreSQL on loopback (.ci/replica.sh: pg_basebackup -R, port 5433); these tests switch the replica reads on.
Dashboards and lists read there and nothing is ever written there; a request that wrote, and the next pages of the
one who wrote, read the primary; a stopped or lagging replica sends the reads back to the primary, with a log line."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.replica import PIN_COOKIE, ReplicaMiddleware, forget_replica_state, reads_from_replica
from grievances import services
from grievances.models import Case
from tests.grievances.conftest import categories, intake, petition_office  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
ROOT = Path(__file__).resolve().parents[1]
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def replica_reads(settings):
    settings.REPLICA_READS, settings.REPLICA_CHECK_SECONDS = True, 0  # the replica's state checked on every request
    forget_replica_state()
    yield
    forget_replica_state()


@pytest.fixture
def registered(intake, regions):  # noqa: F811
    return services.case_register(actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="王建国",
                                  petitioner_phone="13812345678", village_id=regions["village_a"].code)


def caught_up():
    """Until the replica has replayed all the primary wrote (a real standby lags by milliseconds)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    for _ in range(400):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.025)
    raise AssertionError("the replica did not catch up in 10 s")


def replica(command: str) -> None:
    subprocess.run(["bash", ".ci/replica.sh", command], cwd=ROOT, env=os.environ, check=True, capture_output=True, timeout=120)


def read(client, url, *, replica_up=True):
    """The page, and the SQL it ran on the primary and on the replica (none when it is down: nothing to watch)."""
    with CaptureQueriesContext(connections["default"]) as primary:
        if not replica_up:
            return client.get(url), [q["sql"] for q in primary.captured_queries], []
        with CaptureQueriesContext(connections["replica"]) as standby:
            page = client.get(url)
    return page, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in standby.captured_queries]


def on_cases(queries):
    return [sql for sql in queries if "grievances_case" in sql]


def test_dashboards_and_lists_read_the_replica_and_nothing_is_written_there(client, replica_reads, registered, county_supervisor):
    caught_up()
    client.force_login(county_supervisor)
    page, primary, standby = read(client, reverse("dashboards:cases"))
    assert page.status_code == 200 and page.context["headline"][0][1] == 1  # the case, as the replica holds it
    assert on_cases(standby) and not on_cases(primary)
    assert 'data-testid="replica-as-of"' in page.content.decode() and "数据截至" in page.content.decode()
    page, primary, standby = read(client, reverse("grievances:list"))
    assert registered.number in page.content.decode() and on_cases(standby) and not on_cases(primary)
    assert not [sql for sql in standby if sql.lstrip().upper().startswith(WRITES)]

    page, primary, standby = read(client, reverse("grievances:detail", args=[registered.pk]))  # not a marked page
    assert page.status_code == 200 and on_cases(primary) and not standby
    assert 'data-testid="replica-as-of"' not in page.content.decode()


def test_whoever_wrote_reads_the_primary_in_that_request_and_for_a_while_after(client, replica_reads, registered, intake, regions):  # noqa: F811
    caught_up()
    client.force_login(intake)
    form = {"type": "livelihood", "source": "phone", "category": registered.category_id, "summary": "村口路灯坏了三个月",
            "petitioner_name": "李四", "petitioner_phone": "13900001111", "head_count": 1, "village": regions["village_a"].code}
    saved = client.post(reverse("grievances:register"), form)
    assert saved.status_code == 302 and PIN_COOKIE in saved.cookies
    page, primary, standby = read(client, reverse("grievances:list"))
    assert "村口路灯坏了三个月" in page.content.decode() or "李四" in page.content.decode()
    assert on_cases(primary) and not standby  # pinned: what they saved is there whatever the replica's lag

    client.cookies.pop(PIN_COOKIE)  # the minute is over: an export reads the replica, its audit entry goes to the primary
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as standby:
        export = client.post(reverse("grievances:export"), {"purpose": "casework"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert on_cases([q["sql"] for q in standby.captured_queries])
    assert any(q["sql"].startswith("INSERT") and "accounts_auditentry" in q["sql"] for q in primary.captured_queries)


def test_in_a_request_that_wrote_every_later_read_goes_to_the_primary(rf, replica_reads, registered, intake, regions):  # noqa: F811
    caught_up()
    seen = {}

    @reads_from_replica
    def page(request):
        with CaptureQueriesContext(connections["replica"]) as before:
            seen["before"] = Case.objects.count()
        services.case_register(actor=intake, type="petition", source="letter", summary="低保名额分配不公", petitioner_name="赵六",
                               village_id=regions["village_a"].code)
        with CaptureQueriesContext(connections["replica"]) as after:
            seen["after"] = Case.objects.count()
        seen["replica_reads"] = (len(before.captured_queries), len(after.captured_queries))
        return HttpResponse("ok")

    request = rf.get("/")
    request.user = intake
    response = ReplicaMiddleware(page)(request)
    assert seen == {"before": 1, "after": 2, "replica_reads": (1, 0)} and PIN_COOKIE in response.cookies


def test_a_stopped_replica_sends_the_reads_back_to_the_primary(client, replica_reads, registered, county_supervisor, caplog):
    client.force_login(county_supervisor)
    replica("stop")
    try:
        page, primary, _none = read(client, reverse("dashboards:cases"), replica_up=False)
        assert page.status_code == 200 and page.context["headline"][0][1] == 1
        assert on_cases(primary) and "数据截至" not in page.content.decode()
        assert "replica unavailable, reading from the primary" in caplog.text
    finally:
        replica("start")
    forget_replica_state()
    caught_up()
    page, primary, standby = read(client, reverse("dashboards:cases"))
    assert on_cases(standby) and not on_cases(primary)  # and back once it answers


def test_a_replica_too_far_behind_is_not_read(client, replica_reads, registered, county_supervisor, intake, regions, settings, caplog):  # noqa: F811
    caught_up()
    client.force_login(county_supervisor)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        services.case_register(actor=intake, type="petition", source="letter", summary="低保名额分配不公", petitioner_name="赵六",
                               village_id=regions["village_a"].code)
        settings.REPLICA_MAX_LAG_SECONDS = 0
        for _ in range(400):  # the WAL reaches the replica, which does not replay it
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.025)
        page, primary, standby = read(client, reverse("dashboards:cases"))
        assert page.context["headline"][0][1] == 2 and on_cases(primary) and not on_cases(standby)
        assert "replica lags" in caplog.text
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
