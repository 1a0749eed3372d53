"""Import 100,000 households from one .xlsx into PostgreSQL and print rows/s.

    make bench-import            # uses the database in BENCH_DATABASE_URL (created if missing)

Runs the same code the Celery task runs (campaigns.services.import_jobs.run_import),
in this process, so the figure is the import itself without queue latency.
Target (issue 3): the whole file in under 60 s on a 2-core machine.
"""

import os
import tempfile
import time
from pathlib import Path

from common import COUNTY, build_geography, require_postgres
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Household, ImportJob
from campaigns.services.import_jobs import run_import
from core import pii

ROWS = int(os.environ.get("BENCH_ROWS", 100_000))


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
    require_postgres()
    villages = build_geography()
    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={"real_name": "基准", "jurisdiction_id": COUNTY, "is_superuser": True})
    actor.groups.add(*Group.objects.filter(name=Role.CAMPAIGN_ADMIN.value))
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
