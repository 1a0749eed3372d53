"""Roster import: every bad row reported in Chinese with its row and column, and nothing written."""

import os
from decimal import Decimal

import pytest

from accounts.models import Region, User
from accounts.roles import Role
from campaigns import services
from campaigns.models import Assignment, Household, ImportJob, TargetVillage
from campaigns.services.import_jobs import run_import
from tests.clock import DAY, TODAY

from .conftest import assign
from .roster_files import (
    CADRE_HEADER,
    HOUSEHOLD_HEADER,
    csv_file,
    households,
    id_number,
    xlsx,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def run(campaign_admin, django_capture_on_commit_callbacks):
    """Upload through the service and work the job here (the worker test runs the same code through Celery)."""

    def start(kind, upload, campaign=None):
        with django_capture_on_commit_callbacks(execute=False):
            job = services.roster_import_start(actor=campaign_admin, kind=kind, upload=upload, campaign=campaign)
        run_import(job.pk)
        job.refresh_from_db()
        return job

    return start


def problems(job):
    return [(p["row"], p["column"], p["message"]) for p in job.errors]


def test_a_household_file_imports_and_encrypts_id_numbers(run, regions):
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, households("431299100201", 3)))

    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created_count, job.updated_count) == (3, 0)
    household = Household.objects.get(village_id="431299100201", number="0001")
    assert id_number(1) not in household.id_number_cipher
    assert household.masked_id_number == id_number(1)[:6] + "********" + id_number(1)[-4:]


@pytest.mark.parametrize("header", [HOUSEHOLD_HEADER, ["错误表头"]])
def test_the_uploaded_file_is_not_kept_after_the_import(campaign_admin, regions, header, django_capture_on_commit_callbacks):
    # The upload holds ID numbers in plain text, whether the import succeeds or not.
    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.HOUSEHOLDS, upload=xlsx(header, households("431299100201", 1)))
    stored = job.file.path
    assert os.path.exists(stored)
    run_import(job.pk)
    job.refresh_from_db()
    assert job.is_finished and not job.file
    assert not os.path.exists(stored)


def test_importing_the_same_file_again_creates_no_duplicates(run, regions):
    rows = households("431299100201", 3)
    run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows))
    before = list(Household.objects.order_by("pk").values_list("pk", "id_number_cipher"))

    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows))

    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 0)
    assert list(Household.objects.order_by("pk").values_list("pk", "id_number_cipher")) == before


def test_one_bad_row_imports_nothing(run, regions):
    rows = households("431299100201", 5)
    rows[3][0] = "43129910020X"
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows))

    assert job.status == ImportJob.Status.REJECTED
    assert problems(job) == [(5, "村代码", "「43129910020X」不是您辖区内的村（社区）代码。")]
    assert not Household.objects.exists()


def test_a_bad_division_code_in_a_region_file_is_reported(run, regions):
    job = run(ImportJob.Kind.REGIONS, xlsx(["区划代码", "名称"], [["431299100202", "新村"], ["4312991002", "短码村"], ["110101001001", "外地村"]]))
    assert job.status == ImportJob.Status.REJECTED
    assert problems(job) == [
        (3, "区划代码", "「4312991002」不是 12 位区划代码。"),
        (4, "区划代码", "110101001001 不在您的辖区内。"),
    ]


def test_a_region_file_sets_villages_reference_points_and_an_empty_cell_keeps_the_stored_one(run, regions):
    header = ["区划代码", "名称", "纬度", "经度"]
    job = run(ImportJob.Kind.REGIONS, xlsx(header, [["431299100201", "大坪村", "28.123456", "112.987654"], ["431299101201", "小溪村", "", ""]]))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Region.objects.values_list("latitude", "longitude").get(pk="431299100201") == (Decimal("28.123456"), Decimal("112.987654"))
    run(ImportJob.Kind.REGIONS, xlsx(header, [["431299100201", "大坪村", "", ""]]))  # a file without points: the point stays
    assert Region.objects.get(pk="431299100201").latitude == Decimal("28.123456")
    bad = run(ImportJob.Kind.REGIONS, xlsx(header, [["431299100201", "大坪村", "北纬28", "112.9"], ["431299101201", "小溪村", "95", "112.9"]]))
    assert [p[:2] for p in problems(bad)] == [(2, "纬度"), (3, "纬度")] and bad.status == ImportJob.Status.REJECTED


def test_a_duplicate_id_number_in_the_file_is_reported_with_both_rows(run, regions):
    rows = households("431299100201", 3)
    rows[2][3] = rows[0][3]
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows))
    assert job.status == ImportJob.Status.REJECTED
    assert problems(job) == [(4, "身份证号", "与第 2 行的身份证号重复。")]


def test_an_id_number_registered_to_another_household_is_refused(run, regions):
    run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, households("431299100201", 1)))
    other = [["431299100201", "0099", "另一户", id_number(1), "", 2, ""]]
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, other))
    assert job.status == ImportJob.Status.REJECTED
    assert "已登记在村 431299100201 的户编号 0001 下" in problems(job)[0][2]
    assert Household.objects.count() == 1


def test_an_id_number_with_a_wrong_check_digit_is_refused(run, regions):
    rows = households("431299100201", 1)
    rows[0][3] = rows[0][3][:-1] + ("0" if rows[0][3][-1] != "0" else "1")
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, rows))
    assert problems(job)[0][1] == "身份证号"


def test_an_unknown_unit_in_a_cadre_file_is_reported(run, unit_a):
    job = run(ImportJob.Kind.CADRES, xlsx(CADRE_HEADER, [["张三", "13900000001", "城关镇人民政府", "", ""], ["李四", "13900000002", "不存在局", "", ""]]))
    assert job.status == ImportJob.Status.REJECTED
    assert problems(job) == [(3, "单位名称", "您的辖区内没有名为「不存在局」的单位。")]
    assert not User.objects.filter(phone__startswith="1390000").exists()


def test_cadres_import_as_cadres_without_a_password(run, unit_a):
    job = run(ImportJob.Kind.CADRES, xlsx(CADRE_HEADER, [["张三", "13900000001", "城关镇人民政府", "", ""]]))
    assert job.status == ImportJob.Status.DONE, job.errors
    user = User.objects.get(username="13900000001")
    assert user.has_role(Role.CADRE) and user.unit == unit_a and not user.has_usable_password()


def test_a_wrong_header_is_explained(run, regions):
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(["村", "户编号", "姓名"], households("431299100201", 1)))
    assert job.status == ImportJob.Status.REJECTED
    message = problems(job)[0][2]
    assert "缺少 「村代码」、「户主姓名」" in message and "多出 「村」、「姓名」" in message


def test_a_file_with_only_a_header_is_explained(run, regions):
    job = run(ImportJob.Kind.HOUSEHOLDS, xlsx(HOUSEHOLD_HEADER, []))
    assert problems(job) == [(1, "", "文件只有表头，没有数据行。")]


def test_an_empty_upload_is_refused_by_the_form(client, campaign_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(campaign_admin)
    page = client.post("/campaigns/imports/new/", {"kind": "households", "file": SimpleUploadedFile("empty.xlsx", b"")})
    assert "所提交的是空文件" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_of_another_type_is_refused_by_the_form(client, campaign_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(campaign_admin)
    page = client.post("/campaigns/imports/new/", {"kind": "households", "file": SimpleUploadedFile("名册.docx", b"PK")})
    assert "请上传 Excel（.xlsx）或 CSV（.csv）文件" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_a_big_non_spreadsheet_renamed_xlsx_is_rejected(run, regions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = run(ImportJob.Kind.HOUSEHOLDS, SimpleUploadedFile("户籍.xlsx", os.urandom(10 * 1024 * 1024)))
    assert job.status == ImportJob.Status.REJECTED
    assert problems(job) == [("", "", "文件不是有效的 Excel（.xlsx）工作簿。请在 Excel 中另存为 .xlsx 后重新上传。")]
    assert not Household.objects.exists()


def test_a_csv_saved_by_chinese_excel_in_gbk_imports(run, regions):
    job = run(ImportJob.Kind.HOUSEHOLDS, csv_file(HOUSEHOLD_HEADER, households("431299100201", 2), encoding="gb18030"))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Household.objects.get(number="0001").head_name == "户主1"


def test_an_assignment_file_refuses_a_cadre_busy_elsewhere(run, campaign_admin, active, draft, target_a, cadre, other_cadre, regions):
    assign(campaign_admin, target_a, cadre)  # the draft campaign, 11-30 to 12-06
    header = ["村代码", "用户名或手机号", "角色", "开始日期", "结束日期"]
    rows = [[regions["village_a"].code, other_cadre.username, "组长", "", ""], [regions["village_b"].code, cadre.username, "组员", (TODAY + 2 * DAY).isoformat(), (TODAY + 4 * DAY).isoformat()]]
    job = run(ImportJob.Kind.ASSIGNMENTS, xlsx(header, rows), campaign=draft)
    assert job.status == ImportJob.Status.REJECTED
    assert "不是本活动的驻村点" in problems(job)[0][2]

    TargetVillage.objects.create(campaign=draft, village=regions["village_b"])
    overlapping = [[regions["village_b"].code, cadre.username, "", (TODAY + 8 * DAY).isoformat(), (TODAY + 9 * DAY).isoformat()]]
    job = run(ImportJob.Kind.ASSIGNMENTS, xlsx(header, overlapping), campaign=draft)
    assert job.status == ImportJob.Status.REJECTED
    assert "李干部 已在「冬季三同四民」中分派到 大坪村" in problems(job)[0][2]

    ok = [[regions["village_b"].code, other_cadre.username, "组长", "", ""]]
    job = run(ImportJob.Kind.ASSIGNMENTS, xlsx(header, ok), campaign=draft)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Assignment.objects.get(cadre=other_cadre).role == Assignment.Role.LEADER


def test_templates_download_and_import_back(client, campaign_admin, run, regions):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(campaign_admin)
    response = client.get("/campaigns/imports/templates/households.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == HOUSEHOLD_HEADER
    sheet = workbook.worksheets[0]
    for row in households("431299100201", 2):
        sheet.append(row)
    filled = BytesIO()
    workbook.save(filled)

    from django.core.files.uploadedfile import SimpleUploadedFile

    job = run(ImportJob.Kind.HOUSEHOLDS, SimpleUploadedFile("filled.xlsx", filled.getvalue()))
    assert job.status == ImportJob.Status.DONE, job.errors

    csv_template = client.get("/campaigns/imports/templates/cadres.csv")
    assert csv_template.content.decode("utf-8-sig").strip() == ",".join(CADRE_HEADER)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_worked_by_the_real_worker(client, campaign_admin, regions, celery_worker):
    from tests.celery_processes import log_tail, wait_until

    client.force_login(campaign_admin)
    response = client.post("/campaigns/imports/new/", {"kind": "households", "file": xlsx(HOUSEHOLD_HEADER, households("431299100201", 4))})
    assert response.status_code == 302
    job = ImportJob.objects.get()

    assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).is_finished), log_tail(celery_worker)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Household.objects.count() == 4
    progress = client.get(f"/campaigns/imports/{job.pk}/progress/").content.decode()
    assert "已导入 4 行" in progress and "hx-trigger" not in progress


def test_a_job_whose_worker_died_is_picked_up_again(campaign_admin, regions, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from campaigns.services.import_jobs import release_stale_imports

    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.HOUSEHOLDS, upload=xlsx(HOUSEHOLD_HEADER, households("431299100201", 2)))
    # A worker claimed it and died: the job sits in "checking" with nothing written.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING, claimed_at=timezone.now())
    run_import(job.pk)  # a duplicate message does nothing while the claim is fresh
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATING
    assert release_stale_imports() == []

    assert release_stale_imports(now=timezone.now() + datetime.timedelta(minutes=16)) == [job.pk]
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Household.objects.count() == 2


def test_every_kind_of_roster_has_a_writer_and_the_upload_queues_the_task_by_its_registered_name():
    """The kinds write nothing (campaigns/roster/): services/roster.py writes each; and the upload sends the
    import task by name (the service may not import campaigns/tasks.py, which wraps it)."""
    from campaigns.roster.kinds import KINDS
    from campaigns.services import import_jobs
    from campaigns.services.roster import WRITERS
    from campaigns.tasks import run_roster_import

    assert set(WRITERS) == set(KINDS.values())
    assert not any(hasattr(kind, "write") for kind in KINDS.values())
    assert run_roster_import.name == import_jobs.IMPORT_TASK
