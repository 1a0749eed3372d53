"""Roster files too big for one import are refused before they are read whole: a workbook that declares
2 million rows is refused at once, one that declares none or a wrong size is refused as its rows stream
past the limit, and none of them fills the worker's memory."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import services
from campaigns.models import Household, ImportJob
from campaigns.roster import files
from campaigns.services.import_jobs import run_import

from .roster_files import HOUSEHOLD_HEADER, households, xlsx

pytestmark = pytest.mark.django_db

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(rows: int, dimension: str | None, *, columns: int = 1, shared_strings: bytes = b"") -> bytes:
    """A workbook as a zip of XML, its sheet holding `rows` identical rows of `columns` cells and
    declaring `dimension` (None: no <dimension>). Identical rows compress to almost nothing, as in the
    280 KB file that held 2 million rows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {MAIN} xmlns:r="{DOC}"><sheets><sheet name="户籍" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        if shared_strings:
            z.writestr("xl/sharedStrings.xml", shared_strings)
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}>'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * columns + b"</row>"
            for _ in range(rows // 10_000):
                sheet.write(row * 10_000)
            sheet.write(row * (rows % 10_000) + b"</sheetData></worksheet>")
    return buffer.getvalue()


@pytest.fixture
def write(tmp_path):
    def to_file(content: bytes, name="户籍.xlsx") -> str:
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return to_file


def refused(path, **limits):
    """The refusal, with the peak memory (bytes) spent reading up to it."""
    tracemalloc.start()
    try:
        with pytest.raises(files.FileProblem) as problem:
            files.read_table(path, **limits)
        return problem.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_small_file_declaring_two_million_rows_is_refused_without_reading_a_row(write):
    content = workbook(10, "A1:G2000000")
    assert len(content) < 2_000
    problem, peak = refused(write(content))
    assert problem.rows_read == 0
    assert "超过 100,000 行" in str(problem) and "拆分" in str(problem)
    assert peak < 5_000_000


def test_two_million_rows_without_a_declared_size_stop_being_read_past_the_limit(write):
    content = workbook(2_000_000, None)
    assert len(content) < 300_000  # small on disk, as the file that cost 90 s and 1 GB
    problem, peak = refused(write(content), max_rows=1_000)
    assert 0 < problem.rows_read <= 1_000 + 2  # the header, the limit, and the one row that broke it
    assert peak < 5_000_000


def test_a_sheet_declaring_fewer_rows_than_it_holds_is_counted_as_it_streams(write):
    content = workbook(2_000_000, "A1:A1")
    problem, peak = refused(write(content), max_rows=1_000)
    assert problem.rows_read == 1_000 + 2
    assert peak < 10_000_000


def test_the_limit_is_the_header_and_max_rows_below_it(write):
    for dimension in (None, "A1:A1001"):
        header, rows = files.read_table(write(workbook(1_001, dimension)), max_rows=1_000)
        assert len(rows) == 1_000
    assert refused(write(workbook(1_002, None)), max_rows=1_000)[0].rows_read == 1_002
    assert refused(write(workbook(1_002, "A1:A1002")), max_rows=1_000)[0].rows_read == 0


def test_by_default_a_hundred_thousand_rows_below_the_header_are_taken(write):
    assert files.MAX_ROWS == 100_000
    header, rows = files.read_table(write(workbook(3, "A1:A100001")))  # declares the most it may
    assert len(rows) == 2
    assert refused(write(workbook(3, "A1:A100002")))[0].rows_read == 0


def test_a_sheet_wider_than_any_template_is_refused(write):
    problem, _peak = refused(write(workbook(3, "A1:CZ3", columns=104)))
    assert "超过 50 列" in str(problem)
    problem, _peak = refused(write(workbook(3, None, columns=60)))  # declared nowhere: seen in the first row
    assert "超过 50 列" in str(problem)


def test_a_workbook_unpacking_to_more_than_an_import_takes_is_refused(write, monkeypatch):
    monkeypatch.setattr(files, "MAX_OTHER_PARTS_BYTES", 100_000)
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 20_000 + b"</sst>"
    problem, _peak = refused(write(workbook(3, "A1:A3", shared_strings=strings)))
    assert "解压后" in str(problem)


def test_a_csv_longer_than_the_limit_is_refused_as_it_is_read(write):
    content = ("户编号\n" + "0001\n" * 5_000).encode()
    problem, _peak = refused(write(content, name="户籍.csv"), max_rows=1_000)
    assert problem.rows_read == 1_000 + 2


def test_the_upload_form_refuses_a_workbook_declaring_too_many_rows(client, campaign_admin):
    client.force_login(campaign_admin)
    page = client.post("/campaigns/imports/new/", {"kind": "households", "file": SimpleUploadedFile("户籍.xlsx", workbook(10, "A1:G2000000"))})
    assert page.status_code == 200 and "超过 100,000 行" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_an_import_of_a_file_over_the_limit_is_rejected_with_the_reason_and_writes_nothing(campaign_admin, regions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.HOUSEHOLDS,
                                           upload=SimpleUploadedFile("户籍.xlsx", workbook(200_000, None)))
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert "超过 100,000 行" in job.errors[0]["message"]
    assert not Household.objects.exists()


def test_a_normal_workbook_still_imports(campaign_admin, regions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.HOUSEHOLDS, upload=xlsx(HOUSEHOLD_HEADER, households("431299100201", 3)))
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
