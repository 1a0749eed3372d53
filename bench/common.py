"""Set-up shared by the benchmarks: Django on the benchmark database, and a benchmark county."""

import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from accounts.models import Region  # noqa: E402

COUNTY = "439999000000"


def nearest_rank(values: list[float], q: float) -> float:
    """The ⌈q·n⌉-th smallest value (no interpolation), as the benchmarks report it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


def require_postgres() -> None:
    assert connection.vendor == "postgresql", "run the benchmarks against PostgreSQL (make bench-…)"


def build_geography(villages_per_township: int = 10) -> list[str]:
    """A benchmark county of 10 townships; returns its village codes."""
    Region.objects.get_or_create(code="430000000000", defaults={"name": "湖南省", "level": 1})
    Region.objects.get_or_create(code="439900000000", defaults={"name": "测试市", "level": 2, "parent_id": "430000000000"})
    Region.objects.get_or_create(code=COUNTY, defaults={"name": "基准县", "level": 3, "parent_id": "439900000000"})
    villages = []
    for t in range(10):
        township = f"439999{100 + t:03d}000"
        Region.objects.get_or_create(code=township, defaults={"name": f"基准{t}镇", "level": 4, "parent_id": COUNTY})
        for v in range(villages_per_township):
            code = f"{township[:9]}{201 + v:03d}"
            Region.objects.get_or_create(code=code, defaults={"name": f"基准{t}镇{v}村", "level": 5, "parent_id": township})
            villages.append(code)
    return villages
