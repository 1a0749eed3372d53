"""One deadline sweep over 100,000 open cases in PostgreSQL: wall time and query count.

    make bench-sweep

Cases get due dates spread over ±60 days, so about one in nine is at a threshold or overdue.
Target (issue 6): under 10 s, and a query count that does not grow with the number of cases
(it is printed for two sizes).
"""

import datetime
import os
import random
import time

from common import build_geography, require_postgres
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Unit, User
from grievances import reminders
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory, Reminder

CASES = int(os.environ.get("BENCH_CASES", 100_000))
PREFIX = "XF-2099-"


def build_cases(count: int, villages: list[str]) -> None:
    rng = random.Random(6)
    unit, _ = Unit.objects.get_or_create(name="基准镇政府", region_id="439999100000", defaults={"kind": Unit.Kind.TOWNSHIP})
    people = []
    for n in range(20):
        user, _ = User.objects.get_or_create(username=f"bench-handler-{n}", defaults={"real_name": f"经办{n}", "unit": unit, "email": f"h{n}@example.gov.cn"})
        people.append(user)
    leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"real_name": "包案", "unit": unit})
    category = CaseCategory.objects.get(name="其他")
    today = timezone.localdate()
    rows = []
    for n in range(count):
        registered = rng.random() < 0.3
        due = today + datetime.timedelta(days=rng.randint(-60, 60))
        rows.append(Case(
            number=f"{PREFIX}{n:06d}", type="livelihood", source="phone", summary="基准", petitioner_name="基准", category=category,
            village_id=rng.choice(villages), registered_by=leader, status="registered" if registered else "in_progress",
            accept_due=due, resolve_due=None if registered else due, leader=None if registered else leader,
        ))
    Case.objects.bulk_create(rows, batch_size=5000)
    through = Case.handlers.through
    ids = Case.objects.filter(number__startswith=PREFIX, status="in_progress").values_list("pk", flat=True)
    through.objects.bulk_create([through(case_id=pk, user_id=people[pk % 20].pk) for pk in ids], batch_size=10000)


def measure(label: str) -> None:
    Reminder.objects.filter(case__number__startswith=PREFIX).delete()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        with transaction.atomic():
            created = reminders.sweep()
        elapsed = time.perf_counter() - started
    print(f"{label:>8} open cases: {created:,} reminders in {elapsed:.2f} s, {len(queries.captured_queries)} queries")
    again = time.perf_counter()
    assert reminders.sweep() == 0
    print(f"{'':>8} the same sweep again: nothing new, {time.perf_counter() - again:.2f} s")


def main() -> None:
    require_postgres()
    villages = build_geography()
    ensure_default_categories(CaseCategory)
    Case.objects.filter(number__startswith=PREFIX).delete()
    build_cases(CASES // 10, villages)
    measure(f"{CASES // 10:,}")
    Case.objects.filter(number__startswith=PREFIX).delete()
    build_cases(CASES, villages)
    measure(f"{CASES:,}")


if __name__ == "__main__":
    main()
