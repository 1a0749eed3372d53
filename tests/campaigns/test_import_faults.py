"""Roster imports survive faults: the broker down at upload, a worker killed while it checks or writes,
a later upload or a correction by hand meanwhile; and the uploaded file, which holds ID numbers, stays
private and is gone once the job has ended.

The first tests work jobs here, on the frozen clock. The last ones are an outside tester's: gunicorn,
Celery workers and beat as processes on a private redis-server (on a spare port, started and stopped by
the test) and the test database; they stop only what they started and wait until those processes'
database sessions have ended before the test's tables are emptied."""

import csv
import datetime
import http.cookiejar
import io
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from campaigns import services
from campaigns.models import Household, ImportJob
from campaigns.models.roster import lease
from campaigns.roster.kinds import HouseholdRoster
from campaigns.services import import_jobs
from campaigns.services import roster as roster_writes
from campaigns.services.import_jobs import LostClaim, claim, note_queued, release_stale_imports, run_import
from tests.celery_processes import ROOT, PrivateRedis, answers, free_port, log_tail, wait_until, worker_database_url
from tests.factories import TEST_PASSWORD, UserFactory

from .roster_files import HOUSEHOLD_HEADER, households, xlsx

VILLAGE = "431299100201"  # village A of the regions fixture


@pytest.fixture
def upload(campaign_admin, django_capture_on_commit_callbacks):
    """Upload through the service without queueing (as when the broker is down); the test works the job."""

    def start(content, actor=None):
        with django_capture_on_commit_callbacks(execute=False):
            return services.roster_import_start(actor=actor or campaign_admin, kind=ImportJob.Kind.HOUSEHOLDS, upload=content)

    return start


def detail(client, job, django_assert_max_num_queries) -> str:
    with django_assert_max_num_queries(6):
        response = client.get(reverse("campaigns:import-detail", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- Worked here ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_interrupted_job_superseded_by_a_later_upload_of_the_same_roster_ends_void_and_writes_nothing(
    upload, regions, client, campaign_admin, django_assert_max_num_queries
):
    old = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2), name="旧名单.xlsx"))
    new = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 3), name="新名单.xlsx"))
    stored = old.file.path
    ImportJob.objects.filter(pk=old.pk).update(attempts=1)  # its first worker was lost: this is attempt 2

    run_import(old.pk)

    old.refresh_from_db()
    assert old.status == ImportJob.Status.VOID and not Household.objects.exists()
    assert "新名单.xlsx" in old.errors[0]["message"]
    assert not old.file and not os.path.exists(stored)
    client.force_login(campaign_admin)
    page = detail(client, old, django_assert_max_num_queries)
    assert "已作废" in page and "新名单.xlsx" in page and "hx-trigger" not in page
    run_import(new.pk)
    assert ImportJob.objects.get(pk=new.pk).status == ImportJob.Status.DONE and Household.objects.count() == 3


@pytest.mark.django_db
def test_files_uploaded_one_after_another_both_import_and_a_refused_later_file_replaces_nothing(upload, regions):
    first = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2), name="一组.xlsx"))
    second = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2, start=10), name="二组.xlsx"))
    run_import(first.pk)
    run_import(second.pk)
    assert [ImportJob.objects.get(pk=j.pk).status for j in (first, second)] == [ImportJob.Status.DONE] * 2
    assert Household.objects.count() == 4

    interrupted = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1, start=20)))
    refused = upload(xlsx(["不是表头"], [["x"]]))
    run_import(refused.pk)
    assert ImportJob.objects.get(pk=refused.pk).status == ImportJob.Status.REJECTED
    ImportJob.objects.filter(pk=interrupted.pk).update(attempts=1)
    run_import(interrupted.pk)
    assert ImportJob.objects.get(pk=interrupted.pk).status == ImportJob.Status.DONE


@pytest.mark.django_db
def test_a_later_upload_by_someone_else_does_not_void_a_roster_outside_any_campaign(upload, regions, campaign_admin):
    colleague = UserFactory(jurisdiction=regions["county"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    mine = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2)))
    upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1, start=50)), actor=colleague)

    run_import(mine.pk)

    assert ImportJob.objects.get(pk=mine.pk).status == ImportJob.Status.DONE


@pytest.mark.django_db
def test_a_household_corrected_by_hand_after_the_upload_keeps_the_correction_and_the_job_ends_void(
    upload, regions, campaign_admin, client, django_assert_max_num_queries
):
    run_import(upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 3))).pk)
    rows = households(VILLAGE, 3)
    for row in rows:
        row[2] = "文件里的名字"
    job = upload(xlsx(HOUSEHOLD_HEADER, rows))
    second = Household.objects.get(village_id=VILLAGE, number="0002")
    services.household_save(actor=campaign_admin, village_code=VILLAGE, data={"head_name": "用户更正后的名字"}, household_id=second.pk)

    run_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.VOID
    names = dict(Household.objects.values_list("number", "head_name"))
    assert names == {"0001": "户主1", "0002": "用户更正后的名字", "0003": "户主3"}  # nothing of the file written
    assert [(p["row"], p["column"]) for p in job.errors[1:]] == [(3, "户编号")]  # row 3: household 0002
    client.force_login(campaign_admin)
    page = detail(client, job, django_assert_max_num_queries)
    assert "已作废" in page and "上传后" in page and "0002" in page


@pytest.mark.django_db
def test_a_household_edited_after_the_upload_whose_row_in_the_file_would_change_nothing_does_not_void_it(upload, regions, campaign_admin):
    run_import(upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2))).pk)
    rows = households(VILLAGE, 2)
    rows[1][2] = "新户主"  # the file changes household 0002 only
    job = upload(xlsx(HOUSEHOLD_HEADER, rows))
    first = Household.objects.get(village_id=VILLAGE, number="0001")
    services.household_save(actor=campaign_admin, village_code=VILLAGE, data={"family_situation": "两个孩子在县城上学"}, household_id=first.pk)

    run_import(job.pk)

    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    first.refresh_from_db()
    assert first.family_situation == "两个孩子在县城上学"
    assert Household.objects.get(village_id=VILLAGE, number="0002").head_name == "新户主"


@pytest.mark.django_db
def test_an_uploaded_roster_is_readable_by_the_application_alone(upload, regions):
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))

    assert stat.S_IMODE(os.stat(job.file.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(job.file.path)).st_mode) == 0o700


@pytest.mark.django_db
def test_a_job_that_fails_unexpectedly_deletes_its_upload_too(upload, regions, monkeypatch):
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))
    stored = job.file.path

    def breaks(roster, records):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(roster_writes.WRITERS, HouseholdRoster, breaks)
    run_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and not job.file and not os.path.exists(stored)


@pytest.mark.django_db
def test_the_sweep_deletes_the_upload_of_a_job_that_ended_before_its_file_was_deleted(upload, regions):
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))
    stored = job.file.path
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, finished_at=timezone.now())  # then the worker died

    release_stale_imports()

    job.refresh_from_db()
    assert not job.file and not os.path.exists(stored)


@pytest.mark.django_db
def test_the_sweep_queues_a_job_the_broker_never_got_and_one_no_worker_claimed(upload, regions):
    never_queued = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))
    queued = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))
    note_queued(queued.pk)
    now = timezone.now()

    assert release_stale_imports(now=now) == []  # just uploaded: its own enqueue may still be on its way
    assert release_stale_imports(now=now + datetime.timedelta(seconds=11)) == [never_queued.pk]
    assert release_stale_imports(now=now + datetime.timedelta(seconds=61)) == [never_queued.pk, queued.pk]
    assert ImportJob.objects.filter(status=ImportJob.Status.PENDING).count() == 2  # queueing is the task's


@pytest.mark.django_db
def test_a_job_whose_worker_fell_silent_is_taken_over_and_the_silent_attempt_can_no_longer_end_it(upload, regions):
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2)))
    first = claim(job.pk)
    assert first == 1 and claim(job.pk) is None  # held: a duplicate message does nothing

    later = timezone.now() + lease() + datetime.timedelta(seconds=1)
    assert release_stale_imports(now=later) == [job.pk]
    run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, Household.objects.count()) == (ImportJob.Status.DONE, 2, 2)
    with pytest.raises(LostClaim):
        import_jobs._finish(job, first, ImportJob.Status.FAILED)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE


@pytest.mark.django_db
def test_a_job_that_loses_its_worker_again_and_again_is_given_up_and_its_upload_deleted(upload, regions):
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 2)))
    stored = job.file.path
    for _attempt in range(3):
        assert claim(job.pk) is not None
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - lease() - datetime.timedelta(seconds=1))  # and died

    run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, Household.objects.count()) == (ImportJob.Status.FAILED, 4, 0)
    assert "3" in job.errors[0]["message"] and not os.path.exists(stored)


@pytest.mark.django_db
def test_the_page_says_when_the_queue_could_not_be_reached_and_when_a_job_starts_again(
    upload, regions, client, campaign_admin, django_assert_max_num_queries
):
    client.force_login(campaign_admin)
    job = upload(xlsx(HOUSEHOLD_HEADER, households(VILLAGE, 1)))
    assert "任务队列暂时无法连接" in detail(client, job, django_assert_max_num_queries)
    note_queued(job.pk)
    page = detail(client, job, django_assert_max_num_queries)
    assert "任务队列暂时无法连接" not in page and "处理中断" not in page

    claim(job.pk)
    assert "处理中断" not in detail(client, job, django_assert_max_num_queries)
    release_stale_imports(now=timezone.now() + lease() + datetime.timedelta(seconds=1))  # its worker was lost
    assert "处理中断，正在重新开始" in detail(client, job, django_assert_max_num_queries)
    claim(job.pk)
    assert "处理中断，正在重新开始" in detail(client, job, django_assert_max_num_queries)


# --- Real processes -----------------------------------------------------------------------------


class Processes:
    """gunicorn, Celery workers and beat on the private Redis and the test database."""

    def __init__(self, redis: PrivateRedis, folder: Path):
        self.folder, self.running = folder, {}
        self.sessions = f"outreach-test-imports-{uuid.uuid4().hex[:8]}"  # their PGAPPNAME
        self.env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": redis.url, "PGAPPNAME": self.sessions,
                    "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false", "TWO_FACTOR_REQUIRED": "false", "SLOW_QUERY_MS": "0"}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def start(self, name: str, *command: str, **env: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "a")
        # Each in a process group of its own: a worker and its pool processes are killed together, as systemd does.
        self.running[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                                              start_new_session=True)
        return self.running[name]

    def worker(self, name: str, **env: str) -> subprocess.Popen:
        """A worker as production runs them (the prefork pool; one process is enough here)."""
        return self.start(name, sys.executable, "-m", "celery", "-A", "outreach", "worker", "-Q", "imports", "--loglevel", "INFO",
                          "--pool", "prefork", "--concurrency", "1", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", **env)

    def beat(self, **env: str):
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.all().delete()  # beat installs this test's intervals
        self.start("beat", sys.executable, "-m", "celery", "-A", "outreach", "beat", "--loglevel", "INFO", **env)

    def web(self) -> str:
        port = free_port()
        self.start("web", str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "outreach.wsgi",
                   GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2")
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: answers(base + "/healthz"), 30), log_tail(self.folder)
        return base

    def kill(self, name: str):
        """SIGKILL the worker and its pool processes at once."""
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self):
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.running.clear()
        assert wait_until(lambda: self.database_sessions() == 0, 60), "their database sessions did not end"

    def database_sessions(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.sessions])
            return cursor.fetchone()[0]


class Browser:
    """A person at the import pages of the gunicorn server, with a cookie jar."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, str]:
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path, **(headers or {})})
        try:
            with self.opener.open(request, timeout=60) as response:  # nosec B310 - loopback test server
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def token(self, path: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.open(path)[2]).group(1)

    def login(self, username: str):
        body = urllib.parse.urlencode({"username": username, "password": TEST_PASSWORD, "csrfmiddlewaretoken": self.token("/accounts/login/")})
        status, landed, _page = self.open("/accounts/login/", body.encode())
        assert status == 200 and "/accounts/login/" not in landed, f"{username} could not sign in"

    def upload(self, name: str, content: bytes) -> tuple[int, str, str]:
        boundary = uuid.uuid4().hex
        fields = {"csrfmiddlewaretoken": self.token("/campaigns/imports/new/"), "kind": ImportJob.Kind.HOUSEHOLDS, "campaign": ""}
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode() for key, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + content + f"\r\n--{boundary}--\r\n".encode())
        return self.open("/campaigns/imports/new/", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def roster_csv(count: int, name: str = "测试户") -> bytes:
    """A household file of `count` rows for village A (no ID numbers: the file is about size)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HOUSEHOLD_HEADER)
    writer.writerows([VILLAGE, f"{n:05d}", f"{name}{n}", "", "", 3, ""] for n in range(count))
    return buffer.getvalue().encode("utf-8-sig")


def watch(condition, seconds: float) -> bool:
    """wait_until, looking every 20 ms: for a moment that lasts about a second."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def job_status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def child_processes(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


@pytest.fixture
def cluster(transactional_db, migration_data, tmp_path):
    # After transactional_db, so torn down before it: every process is gone when the tables are emptied.
    redis = PrivateRedis(tmp_path)
    redis.start()
    processes = Processes(redis, tmp_path)
    try:
        yield redis, processes
    finally:
        processes.stop_all()
        redis.stop()


@pytest.fixture
def signed_in(cluster, regions, settings):
    """The campaign admin signed in to a gunicorn server on the private Redis."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # what gunicorn checks passwords with
    admin = UserFactory(real_name="周管理", jurisdiction=regions["county"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    browser = Browser(cluster[1].web())
    browser.login(admin.username)
    browser.user = admin
    return browser


def last_job() -> ImportJob:
    return ImportJob.objects.latest("pk")


@pytest.mark.wall_clock
@pytest.mark.django_db(transaction=True)
def test_an_upload_made_while_redis_is_down_is_saved_and_imported_by_itself_once_redis_is_back(cluster, signed_in, tmp_path):
    redis, processes = cluster
    redis.stop()

    status, landed, page = signed_in.upload("名单.csv", roster_csv(3))

    assert status == 200, page[-2000:]
    job = last_job()
    assert landed.endswith(f"/campaigns/imports/{job.pk}/")
    assert job.status == ImportJob.Status.PENDING and job.queued_at is None
    assert "任务队列暂时无法连接" in page
    redis.start()
    processes.worker("worker")
    processes.beat(IMPORT_SWEEP_SECONDS="1")  # nothing else sends the job: the upload's own message was never sent
    assert wait_until(lambda: job_status(job.pk) == ImportJob.Status.DONE, 60), log_tail(tmp_path)
    assert Household.objects.filter(village_id=VILLAGE).count() == 3
    assert not ImportJob.objects.get(pk=job.pk).file


@pytest.mark.wall_clock
@pytest.mark.django_db(transaction=True)
def test_a_sigkilled_workers_import_completes_within_90_s_of_a_new_worker_starting(cluster, signed_in, tmp_path):
    """Production's settings (the broker's visibility timeout, the lease), and no beat: the broker hands the
    message out again by itself."""
    redis, processes = cluster
    processes.worker("w1")
    assert signed_in.upload("两万户.csv", roster_csv(20_000))[0] == 200
    job = last_job()
    assert wait_until(lambda: job_status(job.pk) == ImportJob.Status.VALIDATING, 60), log_tail(tmp_path)

    processes.kill("w1")
    started = time.monotonic()
    processes.worker("w2")

    detail_path = f"/campaigns/imports/{job.pk}/"
    assert wait_until(lambda: "处理中断，正在重新开始" in signed_in.open(detail_path)[2], 90), log_tail(tmp_path)
    assert wait_until(lambda: job_status(job.pk) == ImportJob.Status.DONE, 90 - (time.monotonic() - started)), log_tail(tmp_path)
    job.refresh_from_db()
    assert (job.attempts, Household.objects.count(), job.file.name) == (2, 20_000, "")
    print(f"imported {time.monotonic() - started:.0f} s after the new worker started")


@pytest.mark.wall_clock
@pytest.mark.django_db(transaction=True)
def test_a_job_killed_mid_write_and_uploaded_again_never_overwrites_a_correction_made_since(cluster, signed_in, tmp_path):
    """The broker hands the killed job's message out again after its visibility timeout: 15 s here, not production's
    60 (the test above waits for that one)."""
    redis, processes = cluster
    quick = {"BROKER_VISIBILITY_TIMEOUT": "15", "IMPORT_LEASE_SECONDS": "10"}
    processes.worker("w1", **quick)
    assert signed_in.upload("第一次.csv", roster_csv(40_000))[0] == 200
    first = last_job()
    assert watch(lambda: job_status(first.pk) == ImportJob.Status.WRITING, 60), log_tail(tmp_path)
    processes.kill("w1")
    assert not Household.objects.exists()  # its write was one transaction, undone with the connection

    assert signed_in.upload("第二次.csv", roster_csv(40_000))[0] == 200  # the user uploads again
    second = last_job()
    processes.worker("w2", **quick)
    assert wait_until(lambda: job_status(second.pk) == ImportJob.Status.DONE, 60), log_tail(tmp_path)
    household = Household.objects.get(village_id=VILLAGE, number="00000")
    services.household_save(actor=signed_in.user, village_code=VILLAGE, data={"head_name": "用户更正后的名字"}, household_id=household.pk)
    assert ImportJob.objects.get(pk=first.pk).attempts == 1  # the correction came before the old job resumed

    assert wait_until(lambda: job_status(first.pk) == ImportJob.Status.VOID, 90), log_tail(tmp_path)
    household.refresh_from_db()
    assert household.head_name == "用户更正后的名字"
    first.refresh_from_db()
    assert first.attempts == 2 and not first.file and Household.objects.count() == 40_000
    page = signed_in.open(f"/campaigns/imports/{first.pk}/")[2]
    assert "已作废" in page and "第二次.csv" in page


@pytest.mark.wall_clock
@pytest.mark.django_db(transaction=True)
def test_a_killed_pool_process_gives_its_import_back_and_the_worker_resumes_it(cluster, signed_in, tmp_path):
    redis, processes = cluster
    worker = processes.worker("w1", IMPORT_LEASE_SECONDS="6")
    assert signed_in.upload("两万户.csv", roster_csv(20_000))[0] == 200
    job = last_job()
    assert wait_until(lambda: job_status(job.pk) == ImportJob.Status.VALIDATING, 60), log_tail(tmp_path)

    (child,) = child_processes(worker.pid)
    os.kill(child, signal.SIGKILL)  # the kernel's OOM killer, say

    assert wait_until(lambda: job_status(job.pk) == ImportJob.Status.DONE, 45), log_tail(tmp_path)
    job.refresh_from_db()
    assert (job.attempts, Household.objects.count()) == (2, 20_000) and worker.poll() is None
