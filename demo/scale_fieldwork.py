"""The scale city's field work: the year-long campaign, its target villages and assignments, and the
cadres' visits, check-ins and residents' ratings over that year."""

import datetime
import random
from collections.abc import Iterator
from itertools import islice

from campaigns.models import Assignment, Campaign, CampaignEvent, CheckIn, Evaluation, TargetVillage, Visit, VisitKind
from core.minhash import bands_of_many

from .county_regions import COUNTY_UNITS
from .phrases import DEEDS, DIARY_LINES, diary_text
from .scale_base import CAMPAIGN_NAME, CITY, BuilderBase, as_json, copy_rows

RATINGS = [Evaluation.Rating.SATISFIED] * 8 + [Evaluation.Rating.FAIRLY_SATISFIED] * 3 + [Evaluation.Rating.DISSATISFIED]



def diaries(rng: random.Random) -> Iterator[str]:
    """Diaries as cadres write them (demo/phrases.py), for households of many names."""
    names = "王李张刘陈杨黄赵周吴"
    while True:
        yield diary_text(rng.choice(DIARY_LINES), rng, rng.choice(names) + rng.choice("建国秀英明华伟芳军红"))


DIARY_COLUMN = 10  # of a visit's row, as COPY'd below


def with_diary_bands(rows: Iterator[tuple], column: int, chunk: int = 2000) -> Iterator[tuple]:
    """Each row with its diary's band hashes after it, as visit_record stores them (computed a chunk at a time)."""
    while some := list(islice(rows, chunk)):
        yield from (row + (bands,) for row, bands in zip(some, bands_of_many([row[column] for row in some]), strict=True))


class FieldWork(BuilderBase):
    """The phases campaign, visits, check-ins and evaluations."""

    # Campaign, target villages, assignments

    def campaign(self) -> str:
        rng = self.rng
        organiser = self.units[(CITY[0], "市委组织部")]
        self.active_campaign = Campaign.objects.create(
            name=CAMPAIGN_NAME, kind=Campaign.Kind.THOUSAND_CADRES, theme="送政策、送温暖、送技术、送信息、送法律",
            organiser_region_id=CITY[0], organiser_unit=organiser, start_date=self.start, end_date=self.end,
            status=Campaign.Status.ACTIVE, target_households_visited=100, target_nights_stayed=30, target_deeds_done=10,
        )
        for action, day in (("created", self.start - datetime.timedelta(days=7)), ("activated", self.start)):
            CampaignEvent.objects.create(
                campaign=self.active_campaign, actor=self.admin, action=action, summary=f"{CampaignEvent.Action(action).label}（规模测试数据）",
                at=datetime.datetime.combine(day, datetime.time(9), tzinfo=self.zone),
            )
        targets = []
        for v, village in enumerate(self.villages):
            flags = rng.sample(TargetVillage.FLAGS, rng.choice((0, 0, 1, 1, 2)))
            helping = self.county_unit(village.county, COUNTY_UNITS[v % len(COUNTY_UNITS)])
            targets.append(TargetVillage(campaign=self.active_campaign, village_id=village.code, helping_unit=helping, **{f: True for f in flags}))
        TargetVillage.objects.bulk_create(targets, batch_size=2000)
        for village, target in zip(self.villages, targets, strict=True):
            village.target_id = target.pk
        assignments = [
            Assignment(target_village_id=village.target_id, cadre_id=cadre, start_date=self.start, end_date=self.end,
                       role=Assignment.Role.LEADER if n < len(self.villages) else Assignment.Role.MEMBER)
            for n, (cadre, village) in enumerate(zip(self.cadres, self.cadre_villages, strict=True))
        ]
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        # (cadre, assignment, village) for every posted cadre, read by the visits and check-ins.
        self.posts = [(cadre, a.pk, village) for cadre, a, village in zip(self.cadres, assignments, self.cadre_villages, strict=True)]
        self.counts.update(target_villages=len(targets), assignments=len(assignments))
        return f"1 active campaign {self.start} … {self.end}, {len(targets):,} target villages, {len(assignments):,} assignments"

    # Visits

    def visits(self) -> str:
        rng, count = self.rng, self.sizes.visits
        random_, randrange = rng.random, rng.randrange
        # A tenth of the cases were collected on visits: those visits are picked now and remembered.
        demand_count = min(count, self.sizes.cases // 10)
        wanted = set(rng.sample(range(count), demand_count))
        kinds = [as_json(k) for k in _kind_sets()]
        diary = diaries(random.Random(11))  # their own stream: the rows' other values stay as they were
        deeds = DEEDS
        posts, day_count = self.posts, len(self.days)

        def rows():
            for index in range(count):
                cadre, assignment, village = posts[randrange(len(posts))]
                day = randrange(day_count)
                at = self.at(day, randrange(7 * 60, 21 * 60))
                homes = village.households
                household = homes[randrange(len(homes))][0] if homes and random_() < 0.95 else None
                deed, value = deeds[randrange(len(deeds))] if random_() < 0.15 else ("", 0)
                client_id = f"{rng.getrandbits(128):032x}"
                if index in wanted:
                    self.demand_visits[index] = (client_id, cadre, household, village, at)
                yield (client_id, cadre, assignment, household, self.days[day], at, kinds[randrange(len(kinds))],
                       random_() < 0.4, random_() < 0.08, random_() < 0.3, next(diary), deed, value or None, at)

        written = copy_rows(Visit, ["client_id", "cadre", "assignment", "household", "visited_on", "recorded_at", "kinds", "ate_together",
                                    "stayed_overnight", "laboured_together", "diary", "deed", "deed_value", "updated_at", "diary_bands"],
                            with_diary_bands(rows(), DIARY_COLUMN))
        self.counts["visits"] = written
        return f"{written:,} visits"

    # Check-ins

    def check_ins(self) -> str:
        rng = self.rng
        random_, randrange = rng.random, rng.randrange
        last = len(self.days) - 1

        def rows():
            for cadre, assignment, _village in self.posts:
                present = rng.uniform(0.45, 0.95)  # each cadre's own attendance
                for day in range(last + 1):
                    if random_() < (0.8 if day == last else present):
                        yield cadre, assignment, self.days[day], self.at(day, randrange(7 * 60, 10 * 60))

        written = copy_rows(CheckIn, ["cadre", "assignment", "day", "checked_at"], rows())
        self.counts["check_ins"] = written
        return f"{written:,} check-ins"

    # Residents' ratings

    def evaluations(self) -> str:
        rng = self.rng
        campaign = self.active_campaign.pk

        def rows():
            for village in self.villages:
                for pk, _head, _phone in village.households:
                    if rng.random() < 0.3:
                        at = self.at(rng.randrange(len(self.days)), rng.randrange(8 * 60, 20 * 60))
                        yield campaign, village.target_id, pk, rng.choice(RATINGS), at

        written = copy_rows(Evaluation, ["campaign", "target_village", "household", "rating", "created_at"], rows())
        self.counts["evaluations"] = written
        return f"{written:,} residents' ratings"


def _kind_sets() -> list[list[str]]:
    """Kinds (四访) of a visit: one or two mostly, sometimes three; a list to pick from at random."""
    kinds = VisitKind.values
    ones = [[k] for k in kinds]
    twos = [[a, b] for i, a in enumerate(kinds) for b in kinds[i + 1:]]
    threes = [[k for k in kinds if k != left] for left in kinds]
    return ones * 6 + twos * 3 + threes
