"""The fabrication rules (campaigns/flags.py) on the scale city: the nightly pass, and the check the worker runs
after one visit is written. Wall time, per rule, and the flags found.

    make bench-flags                   # builds the city with 1,000,000 visits (several minutes on 2 cores)
    BENCH_SCALE=0.1 make bench-flags   # a tenth of the rows: a quick try

Targets (issue 19): the nightly pass ≤ 120 s; the check after one visit ≤ 50 ms p95 (nearest rank, over 30
visits written last). The city's visits are spread over its campaign's year, so the pass covers what was
entered in its last two days, as it would each night.
"""

import io
import logging
import os
import time
from collections import defaultdict

from common import nearest_rank, require_postgres
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from campaigns import flags as rules
from campaigns.models import Flag, Visit
from campaigns.services import flags as services

SCALE = float(os.environ.get("BENCH_SCALE", 1))
HOUSEHOLDS, VISITS, CASES = int(100_000 * SCALE), int(1_000_000 * SCALE), int(50_000 * SCALE)
RUNS = int(os.environ.get("BENCH_RUNS", 30))
PASS_TARGET_S, CHECK_TARGET_MS = 120, 50


def timed_rules() -> dict[str, list[float]]:
    """Wrap every rule to record its time per call (this process only: a benchmark, not the suite)."""
    spent: dict[str, list[float]] = defaultdict(list)

    def wrap(rule):
        def run(look, thresholds):
            started = time.perf_counter()
            found = list(rule(look, thresholds))
            spent[rule.__name__].append(time.perf_counter() - started)
            return found
        return run

    rules.RULES[:] = [wrap(rule) for rule in rules.RULES]
    return spent


def main() -> None:
    require_postgres()
    logging.disable(logging.WARNING)
    started, output = time.perf_counter(), io.StringIO()
    if not os.environ.get("BENCH_REUSE"):  # BENCH_REUSE=1: measure the city the last run built
        call_command("seed_scale", reset=True, allow_production=True, households=HOUSEHOLDS, visits=VISITS, cases=CASES, stdout=output)
    print(f"seed_scale: {HOUSEHOLDS:,} households, {Visit.objects.count():,} visits, {CASES:,} cases in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have by night
    Flag.objects.all().delete()
    spent = timed_rules()

    now = timezone.now()
    window = Visit.objects.filter(updated_at__gte=now - services.RECENT).count()
    started = time.perf_counter()
    found = services.flags_check_all(now=now)
    elapsed = time.perf_counter() - started
    print(f"\nnightly pass: {elapsed:.1f} s for the {window:,} visits changed in the last two days, {found:,} flags")
    for name, times in spent.items():
        print(f"  {name:28} {sum(times):7.2f} s")
    print("  flags: " + ", ".join(f"{row['rule']} {row['n']}" for row in Flag.objects.values("rule").annotate(n=Count("pk")).order_by("-n")))

    spent.clear()
    latest = list(Visit.objects.order_by("-recorded_at").values_list("pk", flat=True)[:RUNS])
    checks = []
    for pk in latest:
        started = time.perf_counter()
        services.flags_check_records(visits=[pk])
        checks.append((time.perf_counter() - started) * 1000)
    p50, p95 = nearest_rank(checks, 0.5), nearest_rank(checks, 0.95)
    print(f"\nafter one visit is written: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(checks)} visits")
    for name, times in spent.items():
        print(f"  {name:28} p95 {nearest_rank([t * 1000 for t in times], 0.95):7.1f} ms")

    print("\ntargets:")
    print(f"  {'met   ' if elapsed <= PASS_TARGET_S else 'MISSED'}  nightly pass ≤ {PASS_TARGET_S} s: {elapsed:.1f} s")
    print(f"  {'met   ' if p95 <= CHECK_TARGET_MS else 'MISSED'}  check after one visit ≤ {CHECK_TARGET_MS} ms p95: {p95:.0f} ms")


if __name__ == "__main__":
    main()
