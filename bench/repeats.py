"""Repeat detection at registration (grievances/repeats.py) over 50,000 cases: the matches a registrar is shown
before saving — same phone, ID number or household, or a summary like one of the village's (pg_trgm, its GIN index).

    make bench-repeats
    BENCH_CASES=5000 make bench-repeats   # a quick try

Target (issue 20): ≤ 50 ms p95 (nearest rank) over 200 registrations, half of them retelling an earlier case of the
village with the same phone, half new matters from new phones. The cases are spread over 100 villages, their summaries
drawn from a few hundred phrasings, as a county's petitions repeat the same topics in different words.
"""

import datetime
import logging
import os
import random
import time

from common import build_geography, nearest_rank, require_postgres
from django.db import connection
from django.utils import timezone

from accounts.models import Unit, User
from core import pii
from grievances import repeats
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory

CASES = int(os.environ.get("BENCH_CASES", 50_000))
RUNS, WARM_UP, TARGET_MS = 200, 10, 50
PREFIX = "XF-2098-"
WHO = ["邻居", "村委会", "施工队", "养殖场", "镇政府", "开发商", "合作社", "厂里"]
WHAT = ["宅基地界址争议", "征地补偿款未足额发放", "拖欠工资", "污水直排河道", "低保名额分配不公", "村道塌方", "自来水停水",
        "危房改造申请", "山林承包合同纠纷", "村务账目不公开", "噪音扰民", "耕地被占用", "医保报销困难", "孩子上学难"]
HOW = ["多次协商未果", "请求尽快处理", "已经三个月没有答复", "希望上级督促解决", "影响全家生活", "要求依法处理"]


def summary(rng: random.Random) -> str:
    return f"{rng.choice(WHO)}{rng.choice(['', '反映', '关于'])}{rng.choice(WHAT)}，{rng.choice(HOW)}，{rng.choice(HOW)}"


def retold(text: str, rng: random.Random) -> str:
    """The same matter in other words: the parts in another order, one changed."""
    parts = text.split("，")
    rng.shuffle(parts)
    parts[-1] = rng.choice(HOW)
    return "，".join(parts) + "，再次反映"


def build(villages: list[str]) -> list[Case]:
    rng = random.Random(20)
    unit, _ = Unit.objects.get_or_create(name="基准信访局", region_id="439999000000", defaults={"kind": Unit.Kind.PETITION_OFFICE})
    user, _ = User.objects.get_or_create(username="bench-intake", defaults={"real_name": "受理", "unit": unit})
    category = CaseCategory.objects.get(name="其他")
    now = timezone.now()
    rows = [Case(
        number=f"{PREFIX}{n:06d}", type="petition", source="phone", summary=summary(rng), petitioner_name="基准", category=category,
        petitioner_phone=f"139{n:08d}", petitioner_id_hash=pii.lookup_hash(f"bench-{n}") if n % 3 == 0 else "",
        village_id=rng.choice(villages), registered_by=user, registered_at=now - datetime.timedelta(hours=rng.randrange(24 * 400)),
        status=rng.choice(["registered", "in_progress", "closed", "closed", "evaluated"]),
    ) for n in range(CASES)]
    Case.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grievances_case")
    return list(Case.objects.filter(number__startswith=PREFIX).only("summary", "village_id", "petitioner_phone", "status", "registered_at"))


def comparable(case: Case, now) -> bool:
    """Open, or registered in the last year (repeats.RECENT_DAYS): the cases a new one is compared with."""
    return case.status in Case.OPEN_STATUSES or case.registered_at >= now - datetime.timedelta(days=repeats.RECENT_DAYS)


def main() -> None:
    require_postgres()
    logging.disable(logging.WARNING)  # the slow-query log of the bulk inserts
    villages = build_geography()
    ensure_default_categories(CaseCategory)
    Case.objects.filter(number__startswith=PREFIX).delete()
    started = time.perf_counter()
    cases = build(villages)
    print(f"{len(cases):,} cases in {len(villages)} villages, built in {time.perf_counter() - started:.1f} s")
    rng, times, found, hits, retellings, now = random.Random(7), [], [], 0, 0, timezone.now()
    for run in range(WARM_UP + RUNS):
        if run % 2:
            earlier = rng.choice(cases)
            keys = {"village_id": earlier.village_id, "summary": retold(earlier.summary, rng), "phone": earlier.petitioner_phone}
        else:
            earlier, keys = None, {"village_id": rng.choice(villages), "summary": summary(rng), "phone": f"137{run:08d}"}
        began = time.perf_counter()
        matches = repeats.find(Case.objects.all(), **keys, id_hash=pii.lookup_hash(f"new-{run}"))
        elapsed = (time.perf_counter() - began) * 1000
        if run >= WARM_UP:
            times.append(elapsed)
            found.append(len(matches))
            if earlier is not None and comparable(earlier, now):
                retellings += 1
                hits += any(m.case.pk == earlier.pk for m in matches)
    p50, p95 = nearest_rank(times, 0.5), nearest_rank(times, 0.95)
    print(f"repeat check at registration over {len(cases):,} cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms "
          f"(target ≤ {TARGET_MS} ms p95: {'met' if p95 <= TARGET_MS else 'MISSED'})")
    print(f"  matches shown: {sum(found) / len(found):.1f} on average (at most {repeats.SHOWN}); the retold case found in {hits} of the "
          f"{retellings} retellings of an open or recent case (older closed ones are not compared)")
    Case.objects.filter(number__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
