"""Server time of the dashboards on a city, at 1× and 10× the visits and cases: p50, p95, queries.

    make bench-dashboard                          # about 5 minutes on 2 cores
    BENCH_SCALE=0.1 BENCH_RUNS=10 make bench-dashboard   # a tenth of the rows, 10 timed requests: a quick try
    PGOPTIONS="-c jit=off" make bench-dashboard   # the same without PostgreSQL's JIT compilation

Builds the scale city (`manage.py seed_scale --reset`, demo/scale.py) with 100,000 households,
100,000 visits and 5,000 cases, measures, then rebuilds it with 1,000,000 visits and 50,000 cases and
measures again. Each page gets 3 requests to warm up, then 30 timed ones through Django's test client
in this process (server time: no network, no browser), as the city's supervisor and, for the three
top pages, as a county's. The rollup refresh the campaign dashboard depends on is timed too, full and
incremental. Target: p95 under 300 ms at 10×, and the same number of queries at both sizes.
"""

import datetime
import io
import logging
import os
import statistics
import time

from common import require_postgres
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.models import User
from campaigns import rollups
from campaigns.models import Visit
from demo import scale

SCALE = float(os.environ.get("BENCH_SCALE", 1))
WARM_UP = 3
RUNS = int(os.environ.get("BENCH_RUNS", 30))
TARGET_MS = 300
HOUSEHOLDS = int(100_000 * SCALE)
SIZES = [("1×", int(100_000 * SCALE), int(5_000 * SCALE)), ("10×", int(1_000_000 * SCALE), int(50_000 * SCALE))]  # (label, visits, cases)
COUNTY = f"{scale.PREFIX}01000000"  # the scale city's first county
PAGES = [  # (who, page, url)
    ("scale_city", "campaign dashboard", "/campaigns/dashboard/"),
    ("scale_city", "case dashboard", "/cases/dashboard/"),
    ("scale_city", "rankings", "/rankings/"),
    ("scale_city", "campaign › county", f"/campaigns/dashboard/?region={COUNTY}"),
    ("scale_city", "cases › county", f"/cases/dashboard/?region={COUNTY}"),
    ("scale_county", "campaign dashboard", "/campaigns/dashboard/"),
    ("scale_county", "case dashboard", "/cases/dashboard/"),
    ("scale_county", "rankings", "/rankings/"),
]


def build(visits: int, cases: int) -> None:
    """Rebuild the scale city at this size, printing the command's timed phases."""
    started, output = time.perf_counter(), io.StringIO()
    call_command("seed_scale", reset=True, households=HOUSEHOLDS, visits=visits, cases=cases, stdout=output)
    phases = output.getvalue().split("Scale city ready")[0].splitlines()[1:]
    print("\n".join(f"  {line}" for line in phases))
    print(f"  seed_scale: {HOUSEHOLDS:,} households, {visits:,} visits, {cases:,} cases in {time.perf_counter() - started:.0f} s")


def time_rollups() -> None:
    """A full rebuild, then an incremental refresh after visits of five different days were edited."""
    started = time.perf_counter()
    full = rollups.refresh(full=True)
    print(f"  rollups, full rebuild: {time.perf_counter() - started:.2f} s ({full.village_days:,} village days)")
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in (0, 3, 30, 90, 200)]
    touched = list(Visit.objects.filter(visited_on__in=days, cadre__username__startswith=scale.USER_PREFIX)
                   .order_by("visited_on", "pk").distinct("visited_on").values_list("pk", flat=True))
    Visit.objects.filter(pk__in=touched).update(updated_at=timezone.now())
    started = time.perf_counter()
    changed = rollups.refresh()
    print(f"  rollups, incremental after {len(touched)} edited visits: {time.perf_counter() - started:.2f} s "
          f"({changed.days} days and {changed.campaigns} campaigns re-summed)")


@override_settings(TWO_FACTOR_REQUIRED=False)  # what is measured is the dashboards, not the login's second step
def measure() -> dict[tuple[str, str], dict]:
    """p50, p95 (ms), queries and the slowest query of each page."""
    results = {}
    clients = {}
    for who, page, url in PAGES:
        if who not in clients:
            clients[who] = Client(HTTP_HOST="localhost")  # in ALLOWED_HOSTS when DEBUG is on
            clients[who].force_login(User.objects.get(username=who), backend="django.contrib.auth.backends.ModelBackend")
        client = clients[who]
        for _n in range(WARM_UP):
            client.get(url)
        times, statuses, counts = [], set(), set()
        for _n in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
            counts.add(len(queries))
        if statuses != {200}:
            print(f"  ERROR: {who} {url} answered {sorted(statuses)}")
        slowest = max(queries, key=lambda q: float(q["time"]))
        results[(who, page)] = {
            "p50": statistics.median(times), "p95": statistics.quantiles(times, n=20)[-1],
            "queries": "–".join(str(n) for n in sorted({min(counts), max(counts)})),
            "slowest_ms": float(slowest["time"]) * 1000, "slowest_sql": slowest["sql"], "url": url,
        }
    return results


def report(results: dict[str, dict]) -> None:
    small, large = (results[label] for label, _v, _c in SIZES)
    print()
    print(f"{'user':<13} {'page':<20} {'p50 1×':>8} {'p95 1×':>8} {'q 1×':>5} {'p50 10×':>8} {'p95 10×':>8} {'q 10×':>6} "
          f"{'p95 10×/1×':>10} {'slowest query 10×':>18}")
    for key in small:
        a, b = small[key], large[key]
        flags = []
        if b["p95"] > TARGET_MS:
            flags.append(f"p95 over {TARGET_MS} ms")
        if a["queries"] != b["queries"]:
            flags.append("query count differs")
        print(f"{key[0]:<13} {key[1]:<20} {a['p50']:8.0f} {a['p95']:8.0f} {a['queries']:>5} {b['p50']:8.0f} {b['p95']:8.0f} "
              f"{b['queries']:>6} {b['p95'] / a['p95']:9.1f}× {b['slowest_ms']:15.0f} ms  {'; '.join(flags)}")
    print("(times in ms; q: queries per request, a–b when it varied between requests; slowest query: the longest of the "
          "last timed request)")
    over = [(key, b) for key, b in large.items() if b["p95"] > TARGET_MS]
    for (who, page), b in over:
        print(f"\n{who} {page} ({b['url']}): slowest query, {b['slowest_ms']:.0f} ms:\n  {b['slowest_sql'][:1500]}")


def main() -> None:
    require_postgres()
    logging.getLogger("axes").setLevel(logging.WARNING)  # not a line per force_login
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('jit'), current_setting('work_mem')")
        version, jit, work_mem = cursor.fetchone()
    print(f"Dashboards on the scale city, {RUNS} timed requests a page after {WARM_UP} to warm up (BENCH_SCALE={SCALE:g}; "
          f"PostgreSQL {version}, jit {jit}, work_mem {work_mem})")
    results = {}
    for label, visits, cases in SIZES:
        print(f"{label}:")
        build(visits, cases)
        time_rollups()
        scale.settle(scale.ROLLUP_TABLES)  # autovacuum's work after the rollups were rewritten (it may be off on a test server)
        results[label] = measure()
    report(results)
    print(f"\ntotal {datetime.timedelta(seconds=round(time.perf_counter() - started))}")


if __name__ == "__main__":
    main()
