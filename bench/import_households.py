"""Import 100,000 households from one .xlsx into PostgreSQL and print rows/s.

    make bench-import            # uses the database in BENCH_DATABASE_URL (created if missing)

Runs the same code the Celery task runs (campaigns.roster.runner.run_import),
in this process, so the figure is the import itself without queue latency.
Target (issue 3): the whole file in under 60 s on a 2-core machine.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from accounts.models import Region, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from campaigns.models import Household, ImportJob  # noqa: E402
from campaigns.roster.runner import run_import  # noqa: E402
from outreach import pii  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 100_000))
VILLAGES = 100
COUNTY = "439999000000"


def build_geography() -> list[str]:
    Region.objects.get_or_create(code="430000000000", defaults={"name": "湖南省", "level": 1})
    Region.objects.get_or_create(code="439900000000", defaults={"name": "测试市", "level": 2, "parent_id": "430000000000"})
    Region.objects.get_or_create(code=COUNTY, defaults={"name": "基准县", "level": 3, "parent_id": "439900000000"})
    villages = []
    for t in range(10):
        township = f"439999{100 + t:03d}000"
        Region.objects.get_or_create(code=township, defaults={"name": f"基准{t}镇", "level": 4, "parent_id": COUNTY})
        for v in range(VILLAGES // 10):
            code = f"{township[:9]}{201 + v:03d}"
            Region.objects.get_or_create(code=code, defaults={"name": f"基准{t}镇{v}村", "level": 5, "parent_id": township})
            villages.append(code)
    return villages


def write_file(path: Path, villages: list[str]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["村代码", "户编号", "户主姓名", "身份证号", "联系电话", "家庭人口", "住址"])
    per_village = ROWS // len(villages)
    for v, village in enumerate(villages):
        for n in range(1, per_village + 1):
            first17 = f"439999{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{v:03d}"
            sheet.append([village, f"{n:05d}", f"户主{v}-{n}", first17 + pii.id_number_check_digit(first17), f"139{v:04d}{n:04d}", 1 + n % 6, f"{n // 50 + 1}组{n}号"])
    workbook.save(path)


def import_once(actor: User, path: Path) -> tuple[float, ImportJob]:
    upload = SimpleUploadedFile("bench-households.xlsx", path.read_bytes())
    job = ImportJob.objects.create(kind=ImportJob.Kind.HOUSEHOLDS, file=upload, original_name=upload.name, uploaded_by=actor)
    started = time.perf_counter()
    run_import(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors[:5]
    return elapsed, job


def main() -> None:
    assert connection.vendor == "postgresql", "run against PostgreSQL (make bench-import)"
    villages = build_geography()
    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={"real_name": "基准", "jurisdiction_id": COUNTY, "is_superuser": True})
    actor.groups.add(*__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(name=Role.CAMPAIGN_ADMIN.value))
    Household.objects.filter(village__code__startswith="439999").delete()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.xlsx"
        started = time.perf_counter()
        write_file(path, villages)
        print(f"wrote {ROWS:,} rows to .xlsx ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")

        elapsed, job = import_once(actor, path)
        print(f"first import:  {job.created_count:,} created in {elapsed:.1f} s = {ROWS / elapsed:,.0f} rows/s")
        elapsed, job = import_once(actor, path)
        print(f"same file again: {job.created_count:,} created, {job.updated_count:,} unchanged/updated in {elapsed:.1f} s = {ROWS / elapsed:,.0f} rows/s")
    print(f"households in the benchmark county: {Household.objects.filter(village__code__startswith='439999').count():,}")


if __name__ == "__main__":
    main()
