"""A city-scale dataset for benchmarks: `manage.py seed_scale`.

A fictional city under province 43 (division code 4398…, clear of the demo county 431299 and
the benchmark county 439999) with about 170 households a village, 20 villages a township and
10 townships a county; county bureaus and township governments; one cadre for every 50
households, all posted for a year-long active campaign; visits, check-ins and residents'
ratings over that year; petition and dispute cases in every state. It reuses the demo's
shapes (demo/county.py) and is deterministic: the same sizes and seed give the same rows on the same day.

The big tables are written with PostgreSQL COPY, so a million visits take a few minutes on
two cores. Everything it builds is found again by three marks, which `purge` deletes with
whatever refers to it: regions under PREFIX, usernames starting USER_PREFIX, case numbers
starting CASE_PREFIX.
"""

import datetime
import graphlib
import json
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import accumulate

import pgtrigger
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, JSONField
from django.utils import timezone

from accounts.models import Region, Unit, User
from accounts.roles import Role
from campaigns import rollups
from campaigns.models import (
    Assignment,
    Campaign,
    CampaignEvent,
    CheckIn,
    Evaluation,
    Household,
    HouseholdTag,
    TargetVillage,
    VillageCoverage,
    VillageDay,
    Visit,
    VisitKind,
)
from core import pii
from grievances import deadlines
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory, CaseEvent, MediationSession

from . import county

PREFIX = "4398"
PROVINCE = ("430000000000", "湖南省")
CITY = ("439800000000", "枫林市")
USER_PREFIX = "scale_"
CASE_PREFIX = "SC-"
CAMPAIGN_NAME = "千名干部进百村、五送五帮促和谐（全市）"

HOUSEHOLDS_PER_VILLAGE = 170
VILLAGES_PER_TOWNSHIP = 20
TOWNSHIPS_PER_COUNTY = 10
HOUSEHOLDS_PER_CADRE = 50
MAX_COUNTIES = 99  # two digits of the division code

CITY_UNITS = ["市委组织部", "市信访局", "市纪委监委"]
COUNTY_FIRST = "清云青白石金玉龙凤桃杉枫松柳梅竹"
COUNTY_SECOND = "江溪山水阳源田湖岭平"
TOWNSHIP_FIRST = "城河青龙金桃白杉石枫马双高长新黄"
TOWNSHIP_SECOND = "关西石潭竹源马木门树口坪桥塘"

# County bureaus that take the county-level cases of each category.
BUREAU_FOR_CATEGORY = {
    "农村土地征用": "县自然资源局", "城市拆迁": "县住房和城乡建设局", "环境污染": "县生态环境局", "安全事故": "县应急管理局",
    "权属纠纷": "县司法局", "山林土地流转": "县林业局", "低保分配": "县民政局", "村务财务": "县农业农村局",
    "劳资": "县人力资源和社会保障局", "其他": "县信访局",
}
MATTERS = county.OFFICE_MATTERS + [
    ("邻里噪音纠纷，多次协商未果", Case.Type.DISPUTE, "其他"), ("土地承包经营权界线不清", Case.Type.DISPUTE, "权属纠纷"),
    ("企业废气扰民", Case.Type.PETITION, "环境污染"), ("拆迁安置房迟迟未交付", Case.Type.PETITION, "城市拆迁"),
    ("自来水水压不足", Case.Type.LIVELIHOOD, "其他"), ("村小学校舍漏雨", Case.Type.LIVELIHOOD, "安全事故"),
]
OFFICE_SOURCES = [Case.Source.IN_PERSON, Case.Source.LETTER, Case.Source.PHONE, Case.Source.PHONE, Case.Source.ONLINE, Case.Source.SURVEY]
# Where each office case ends up (weights), before the ones registered lately are cut short at today.
FATES = {"registered": 2, "rejected": 1, "accepted": 1, "assigned": 1, "in_progress": 4, "resolved": 2, "evaluated": 3, "closed": 12}
# The move (CaseEvent.action) that leads to each status.
ACTIONS = {"rejected": "reject", "accepted": "accept", "assigned": "assign", "in_progress": "start", "resolved": "resolve",
           "evaluated": "evaluate", "closed": "close"}
SATISFACTION = [Case.Satisfaction.SATISFIED] * 6 + [Case.Satisfaction.FAIRLY_SATISFIED] * 3 + [Case.Satisfaction.DISSATISFIED]
RATINGS = [Evaluation.Rating.SATISFIED] * 8 + [Evaluation.Rating.FAIRLY_SATISFIED] * 3 + [Evaluation.Rating.DISSATISFIED]
TAGS = [HouseholdTag.POOR, HouseholdTag.ELDERLY_LEFT_BEHIND, HouseholdTag.CHILD_LEFT_BEHIND, HouseholdTag.DIBAO,
        HouseholdTag.BIG_PRODUCER, HouseholdTag.RESPECTED, HouseholdTag.LAND_TAKEN, HouseholdTag.OLD_PETITIONER]


@dataclass(frozen=True)
class Sizes:
    households: int = 100_000
    visits: int = 1_000_000
    cases: int = 50_000
    seed: int = 2026


@dataclass(frozen=True)
class Login:
    username: str
    role: Role
    region_code: str


@dataclass
class Report:
    """What was built: timed phases, row counts and the benchmark logins."""

    phases: list[tuple[str, float, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)


# The tables seed_scale writes, and the rollups derived from them.
RAW_TABLES = [Region, Unit, User, Household, TargetVillage, Assignment, Visit, CheckIn, Evaluation, Case, Case.handlers.through,
              CaseEvent, MediationSession]
ROLLUP_TABLES = [VillageDay, VillageCoverage]


class ScaleDataExists(Exception):
    pass


class TooLarge(Exception):
    pass


def exists() -> bool:
    """Whether a scale city (or any of its users or cases) is in the database."""
    return (
        Region.objects.filter(code__startswith=PREFIX).exists()
        or User.objects.filter(username__startswith=USER_PREFIX).exists()
        or Case.objects.filter(number__startswith=CASE_PREFIX).exists()
    )


def build(sizes: Sizes, *, reset: bool = False, log: Callable[[str], None] = print) -> Report:
    """Build the scale city, then its rollups; with `reset`, delete the previous one first (in a transaction
    of its own), else refuse if there is one. Logs each phase with its time as it ends."""
    report = Report()

    def record(name: str, started: float, what: str) -> None:
        elapsed = time.perf_counter() - started
        report.phases.append((name, elapsed, what))
        log(f"  {name:<22} {elapsed:7.1f} s  {what}")

    def phase(name: str, run: Callable[[], str | None]) -> None:
        started = time.perf_counter()
        record(name, started, run() or "")

    today, now = timezone.localdate(), timezone.now()
    builder = _Builder(sizes, today, now)
    if exists():
        if not reset:
            raise ScaleDataExists()
        # A transaction of its own, so the time shown includes the foreign-key checks run at commit.
        phase("reset", transaction.atomic(purge))
    with transaction.atomic():
        phase("regions and units", builder.geography)
        phase("users", builder.users)
        phase("households", builder.households)
        phase("campaign and teams", builder.campaign)
        phase("visits", builder.visits)
        phase("check-ins", builder.check_ins)
        phase("evaluations", builder.evaluations)
        phase("cases", builder.cases)
        committing = time.perf_counter()
    record("commit", committing, "the deferred foreign-key checks of every row")
    # Statistics first: planned blind, the rollup refresh over a million fresh visits takes minutes, not seconds.
    phase("analyze", lambda: settle(RAW_TABLES))
    phase("rollups", lambda: f"{rollups.refresh(full=True).village_days:,} village days")
    phase("analyze rollups", lambda: settle(ROLLUP_TABLES))
    report.counts = builder.counts
    report.logins = builder.logins
    return report


def purge() -> str:
    """Delete the scale city's regions, users and cases, and every row that refers to them, however
    indirectly (units, households, the campaign, visits, rollups, reminders, the audit trail of their
    logins…), in a few statements.

    The rows to go are collected table by table, parents first, into temporary tables; then they
    are deleted children first, so no foreign key is left dangling.
    """
    roots = {
        Region: ("code LIKE %s", [PREFIX + "%"]),
        User: ("username LIKE %s", [USER_PREFIX.replace("_", r"\_") + "%"]),
        Case: ("number LIKE %s", [CASE_PREFIX + "%"]),
    }
    models = apps.get_models(include_auto_created=True)
    parents = {
        model: [(f, f.related_model) for f in model._meta.concrete_fields if f.many_to_one and f.related_model is not model]
        for model in models
    }
    # Tables with rows to delete: the roots, and whatever has a foreign key to such a table.
    touched = set(roots)
    while True:
        more = {m for m in models if m not in touched and any(p in touched for _f, p in parents[m])}
        if not more:
            break
        touched |= more
    order = list(graphlib.TopologicalSorter({m: {p for _f, p in parents[m] if p in touched} for m in touched}).static_order())
    quote = connection.ops.quote_name
    doomed = {model: f"scale_doomed_{n}" for n, model in enumerate(order)}
    deleted = 0
    with connection.cursor() as cursor:
        for model in order:
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            selects, params = [], []
            if model in roots:
                condition, values = roots[model]
                selects.append(f"SELECT {pk} AS pk FROM {table} WHERE {condition}")  # nosec B608 - identifiers from model meta, quoted; values as parameters
                params += values
            for fk, parent in parents[model]:
                if parent in touched:
                    selects.append(f"SELECT t.{pk} AS pk FROM {table} t JOIN {doomed[parent]} d ON t.{quote(fk.column)} = d.pk")  # nosec B608 - identifiers from model meta, quoted; values as parameters
            cursor.execute(f"CREATE TEMP TABLE {doomed[model]} ON COMMIT DROP AS {' UNION '.join(selects)}", params)
            cursor.execute(f"ANALYZE {doomed[model]}")
        # Append-only tables (the audit trail of the scale accounts' logins) let these deletes through, as
        # they do for their retention job: the lines are about fictional people.
        protected = [f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registered() if model in touched]
        with pgtrigger.ignore(*protected) if protected else nullcontext():
            for model in reversed(order):
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                cursor.execute(f"DELETE FROM {table} WHERE {pk} IN (SELECT pk FROM {doomed[model]})")  # nosec B608 - identifiers from model meta, quoted
                deleted += cursor.rowcount
        cursor.execute(f"DROP TABLE {', '.join(doomed.values())}")
    return f"{deleted:,} rows deleted"


def settle(models: list) -> str:
    """Bring the planner's statistics of these tables up to date, as autovacuum would after a while;
    VACUUM too when not inside a transaction, so index-only scans work as on a settled database."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return f"{command} of {len(models)} tables"


def _copy(model, names: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows (tuples in the order of `names`) into the model's table; returns how many.

    Fields not named get their default; a field that has no constant default must be named
    (auto_now and timezone.now fields included), so nothing is filled in by surprise.
    """
    fields = [model._meta.get_field(name) for name in names]
    extra_fields, extra = [], []
    for f in model._meta.concrete_fields:
        if f in fields or f.primary_key:
            continue
        if f.db_default is not NOT_PROVIDED:
            continue  # the database fills it in
        if f.has_default():
            value = f.default() if f.default in (list, dict) else f.default
            if callable(value):
                raise ValueError(f"{model.__name__}.{f.name} has a computed default: name it in the COPY")
        else:
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} has no default: name it in the COPY")
        extra_fields.append(f)
        extra.append(json.dumps(value, ensure_ascii=False) if isinstance(f, JSONField) else f.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields + extra_fields)
    extra = tuple(extra)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row + extra)
                count += 1
    return count


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _weighted(choices: dict) -> Callable[[random.Random], object]:
    """A picker of dict keys in proportion to their weights."""
    keys, cumulative = list(choices), list(accumulate(choices.values()))
    return lambda rng: keys[bisect(cumulative, rng.random() * cumulative[-1])]


@dataclass
class _Village:
    code: str
    name: str
    county: int  # index into _Builder.counties
    households: list[tuple[int, str, str]] = field(default_factory=list)  # (id, head's name, phone)
    target_id: int = 0


class _Builder:
    """Builds the phases in order; each phase reads what the earlier ones left on the builder."""

    def __init__(self, sizes: Sizes, today: datetime.date, now: datetime.datetime):
        self.sizes, self.today, self.now = sizes, today, now
        self.rng = random.Random(sizes.seed)
        self.zone = timezone.get_current_timezone()
        self.start = today - datetime.timedelta(days=364)
        self.end = today + datetime.timedelta(days=30)
        self.days = [self.start + datetime.timedelta(days=n) for n in range((today - self.start).days + 1)]
        self.midnights = [datetime.datetime.combine(day, datetime.time.min, tzinfo=self.zone) for day in self.days]
        self.counts: dict[str, int] = {}
        self.logins: list[Login] = []
        self.demand_visits: dict[int, tuple] = {}  # visit index -> (client id, cadre, household, village, recorded at)

    def at(self, day_index: int, minutes: int) -> datetime.datetime:
        """A moment `minutes` after midnight on a campaign day; today, squeezed in before now."""
        midnight = self.midnights[day_index]
        moment = midnight + datetime.timedelta(minutes=minutes)
        return moment if moment <= self.now else midnight + (self.now - midnight) * (minutes / 1440)

    # Regions and units

    def geography(self) -> str:
        rng = self.rng
        village_count = -(-self.sizes.households // HOUSEHOLDS_PER_VILLAGE)
        township_count = -(-village_count // VILLAGES_PER_TOWNSHIP)
        county_count = -(-township_count // TOWNSHIPS_PER_COUNTY)
        if county_count > MAX_COUNTIES:
            raise TooLarge(f"{self.sizes.households:,} households need more than {MAX_COUNTIES} counties")
        Region.objects.get_or_create(code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": Region.Level.PROVINCE})
        regions = [Region(code=CITY[0], name=CITY[1], level=Region.Level.CITY, parent_id=PROVINCE[0])]
        county_names = rng.sample([a + b + "县" for a in COUNTY_FIRST for b in COUNTY_SECOND], county_count)
        self.counties = [(f"{PREFIX}{n + 1:02d}000000", name) for n, name in enumerate(county_names)]
        self.townships: list[tuple[str, str, int]] = []  # (code, name, county index)
        self.villages: list[_Village] = []
        village_names = [a + b + "村" for a in county.VILLAGE_FIRST for b in county.VILLAGE_SECOND]
        for c, (county_code, county_name) in enumerate(self.counties):
            regions.append(Region(code=county_code, name=county_name, level=Region.Level.COUNTY, parent_id=CITY[0]))
            names = rng.sample([a + b for a in TOWNSHIP_FIRST for b in TOWNSHIP_SECOND], TOWNSHIPS_PER_COUNTY)
            for t, name in enumerate(names):
                if len(self.townships) == township_count:
                    break
                # 镇 are numbered from 100, 乡 from 200, as in the statistical codes (and the demo).
                name += "镇" if t < 7 else "乡"
                code = f"{county_code[:6]}{(100 if t < 7 else 200) + t:03d}000"
                self.townships.append((code, name, c))
                regions.append(Region(code=code, name=name, level=Region.Level.TOWNSHIP, parent_id=county_code))
                for number, village_name in enumerate(rng.sample(village_names, VILLAGES_PER_TOWNSHIP), start=201):
                    if len(self.villages) == village_count:
                        break
                    village = _Village(f"{code[:9]}{number:03d}", village_name, c)
                    self.villages.append(village)
                    regions.append(Region(code=village.code, name=village.name, level=Region.Level.VILLAGE, parent_id=code))
        Region.objects.bulk_create(regions, batch_size=2000)
        self.township_names = {code: name for code, name, _c in self.townships}

        units = [Unit(name=name, region_id=CITY[0], kind=Unit.Kind.PARTY if name.startswith("市委") else Unit.Kind.GOVERNMENT)
                 for name in CITY_UNITS]
        for county_code, _name in self.counties:
            units += [Unit(name=name, region_id=county_code, kind=county._unit_kind(name)) for name in county.COUNTY_UNITS]
        units += [Unit(name=f"{name}人民政府", region_id=code, kind=Unit.Kind.TOWNSHIP) for code, name, _c in self.townships]
        Unit.objects.bulk_create(units)
        self.units = {(u.region_id, u.name): u for u in Unit.objects.filter(region__code__startswith=PREFIX)}
        self.counts.update(counties=len(self.counties), townships=len(self.townships), villages=len(self.villages), units=len(self.units))
        return f"{len(self.counties)} counties, {len(self.townships)} townships, {len(self.villages):,} villages, {len(self.units)} units"

    def county_unit(self, county: int, name: str) -> Unit:
        return self.units[(self.counties[county][0], name)]

    def township_unit(self, village_code: str) -> Unit:
        code = village_code[:9] + "000"
        return self.units[(code, self.township_names[code] + "人民政府")]

    # Users

    def users(self) -> str:
        rng, password = self.rng, make_password(county.DEMO_PASSWORD)  # hashed once: every account shares it
        people: dict[Role, list[User]] = {role: [] for role in Role}

        def person(role: Role, username: str, unit: Unit, jurisdiction: str | None = None) -> None:
            people[role].append(User(username=USER_PREFIX + username, real_name=county._person_name(rng), phone=county._phone(rng),
                                     unit=unit, jurisdiction_id=jurisdiction, password=password))

        # Supervisors, one a level, for the benchmarks.
        first_county, first_township = self.counties[0][0], self.townships[0][0]
        self.logins = [Login(USER_PREFIX + "city", Role.SUPERVISOR, CITY[0]), Login(USER_PREFIX + "county", Role.SUPERVISOR, first_county),
                       Login(USER_PREFIX + "township", Role.SUPERVISOR, first_township),
                       Login(USER_PREFIX + "admin", Role.CAMPAIGN_ADMIN, CITY[0])]
        person(Role.SUPERVISOR, "city", self.units[(CITY[0], "市纪委监委")], CITY[0])
        person(Role.SUPERVISOR, "county", self.county_unit(0, "县纪委监委"), first_county)
        person(Role.SUPERVISOR, "township", self.township_unit(self.villages[0].code), first_township)
        person(Role.CAMPAIGN_ADMIN, "admin", self.units[(CITY[0], "市委组织部")], CITY[0])
        # A responsible leader per county, a handler per county bureau and township government.
        for c in range(len(self.counties)):
            person(Role.LEADER, f"ld{c + 1:02d}", self.county_unit(c, "县委办公室"))
        handler_units = [u for u in self.units.values() if u.region_id != CITY[0]]
        for n, unit in enumerate(sorted(handler_units, key=lambda u: (u.region_id, u.name)), start=1):
            person(Role.HANDLER, f"jb{n:04d}", unit)
        # Cadres: village v gets cadres v, v + V, v + 2V…, sent by a bureau of its county or its township.
        cadre_count = max(len(self.villages), round(self.sizes.households / HOUSEHOLDS_PER_CADRE))
        self.cadre_villages = [self.villages[n % len(self.villages)] for n in range(cadre_count)]
        for n, village in enumerate(self.cadre_villages, start=1):
            unit = self.township_unit(village.code) if rng.random() < 0.3 else self.county_unit(village.county, rng.choice(county.COUNTY_UNITS))
            person(Role.CADRE, f"gb{n:05d}", unit)

        memberships = []
        for role, users in people.items():
            created = User.objects.bulk_create(users, batch_size=2000)
            group = Group.objects.get(name=role.value)
            memberships += [User.groups.through(user_id=user.pk, group_id=group.pk) for user in created]
        User.groups.through.objects.bulk_create(memberships, batch_size=5000)
        self.cadres = [user.pk for user in people[Role.CADRE]]
        self.city_supervisor = people[Role.SUPERVISOR][0]
        self.admin = people[Role.CAMPAIGN_ADMIN][0]
        self.leaders = [user.pk for user in people[Role.LEADER]]
        self.handlers = {user.unit_id: user.pk for user in people[Role.HANDLER]}
        self.counts.update(cadres=len(self.cadres), users=sum(len(users) for users in people.values()))
        return f"{len(self.cadres):,} cadres, {sum(len(u) for u in people.values()):,} users in all"

    # Households

    def households(self) -> str:
        rng, taken = self.rng, set()
        per_village, extra = divmod(self.sizes.households, len(self.villages))
        created = self.now

        def rows():
            for v, village in enumerate(self.villages):
                for n in range(1, per_village + (1 if v < extra else 0) + 1):
                    head, phone = county._person_name(rng), county._phone(rng) if rng.random() < 0.85 else ""
                    village.households.append((0, head, phone))
                    while True:
                        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 60))
                        first17 = f"{village.code[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
                        if first17 not in taken:
                            taken.add(first17)
                            break
                    id_number = first17 + pii.id_number_check_digit(first17)
                    tags = rng.sample(TAGS, 1) if rng.random() < 0.3 else []
                    yield (village.code, f"{n:04d}", head, pii.encrypt(id_number), pii.lookup_hash(id_number),
                           f"{village.name}{(n - 1) // 20 + 1}组{n}号", phone, rng.randint(1, 7), _json(tags), created, created)

        count = _copy(Household, ["village", "number", "head_name", "id_number_cipher", "id_number_hash", "address", "phone", "members",
                                  "tags", "created_at", "updated_at"], rows())
        by_village = {village.code: village for village in self.villages}
        ids: dict[str, list[int]] = {}
        for pk, code in Household.objects.filter(village__code__startswith=PREFIX).order_by("village_id", "number").values_list("pk", "village_id"):
            ids.setdefault(code, []).append(pk)
        for code, pks in ids.items():
            village = by_village[code]
            village.households = [(pk, head, phone) for pk, (_zero, head, phone) in zip(pks, village.households, strict=True)]
        self.counts["households"] = count
        return f"{count:,} households (ID numbers encrypted)"

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
            helping = self.county_unit(village.county, county.COUNTY_UNITS[v % len(county.COUNTY_UNITS)])
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
        kinds = [_json(k) for k in _kind_sets()]
        diary = county.DIARY_LINES
        deeds = county.DEEDS
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
                       random_() < 0.4, random_() < 0.08, random_() < 0.3, diary[randrange(len(diary))], deed, value or None, at)

        written = _copy(Visit, ["client_id", "cadre", "assignment", "household", "visited_on", "recorded_at", "kinds", "ate_together",
                                "stayed_overnight", "laboured_together", "diary", "deed", "deed_value", "updated_at"], rows())
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

        written = _copy(CheckIn, ["cadre", "assignment", "day", "checked_at"], rows())
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

        written = _copy(Evaluation, ["campaign", "target_village", "household", "rating", "created_at"], rows())
        self.counts["evaluations"] = written
        return f"{written:,} residents' ratings"

    # Cases

    def cases(self) -> str:
        rng = self.rng
        ensure_default_categories(CaseCategory)
        categories = {c.name: c for c in CaseCategory.objects.all()}
        found = Visit.objects.filter(client_id__in=[v[0] for v in self.demand_visits.values()]).values_list("client_id", "pk")
        visit_ids = {client_id.hex: pk for client_id, pk in found}
        fate_of = _weighted(FATES)
        objection_due: dict[tuple, datetime.date] = {}
        calendar = deadlines.WorkingCalendar.load()
        intake = {c: self.handlers[self.county_unit(c, "县信访局").pk] for c in range(len(self.counties))}
        cases = []
        demands = list(self.demand_visits.values())
        for n in range(self.sizes.cases):
            if n < len(demands):  # collected on a visit: the visit's village, household and cadre
                client_id, cadre, household_id, village, visited_at = demands[n]
                summary, kind, category = rng.choice(county.DEMANDS)
                fate = fate_of(rng)
                registered = min(self.now, visited_at + datetime.timedelta(minutes=rng.randrange(5, 3 * 24 * 60)))
                home = next((h for h in village.households if h[0] == household_id), None)
                case = dict(source=Case.Source.VISIT, visit=visit_ids[client_id], registered_by=cadre)
            else:
                summary, kind, category = rng.choice(MATTERS)
                village = rng.choice(self.villages)
                fate = fate_of(rng)
                registered = self.registration_time(fate)
                home = rng.choice(village.households) if village.households and rng.random() < 0.5 else None
                source = Case.Source.SURVEY if kind == Case.Type.DISPUTE and rng.random() < 0.5 else rng.choice(OFFICE_SOURCES)
                case = dict(source=source, visit=None, registered_by=intake[village.county])
            received = timezone.localtime(registered).date()
            category = categories[category]
            key = (received, category.objection_working_days)
            if key not in objection_due:
                objection_due[key] = calendar.add_working_days(*key).due
            case.update(
                type=kind, summary=summary, category=category.pk, village=village.code, household=home[0] if home else None,
                petitioner_name=home[1] if home else county._person_name(rng), petitioner_phone=(home[2] if home else county._phone(rng)),
                head_count=rng.choice((1, 1, 1, 1, 1, 1, 2, 3, 6)), registered_at=registered,
                accept_due=received + datetime.timedelta(days=category.accept_days), objection_due=objection_due[key],
            )
            self.work_case(case, fate, category, village)
            cases.append(case)
        cases.sort(key=lambda c: c["registered_at"])
        per_year: dict[int, int] = {}
        for case in cases:
            year = timezone.localtime(case["registered_at"]).year
            per_year[year] = per_year.get(year, 0) + 1
            case["number"] = f"{CASE_PREFIX}{year}-{per_year[year]:07d}"
        columns = ["number", "type", "source", "category", "status", "summary", "petitioner_name", "petitioner_phone", "head_count",
                   "village", "household", "visit", "level", "unit", "leader", "supervised", "supervising_leader", "registered_by",
                   "registered_at", "accept_due", "objection_due", "accepted_at", "responded_at", "resolve_due", "extension_days",
                   "extension_reason", "rejection_reason", "outcome", "reply", "resolved_at", "satisfaction", "evaluated_at", "closed_at",
                   "was_mediated", "mediation_agreed"]
        written = _copy(Case, columns, (tuple(case.get(name, _blank(name)) for name in columns) for case in cases))
        ids = dict(Case.objects.filter(number__startswith=CASE_PREFIX).values_list("number", "pk"))

        def events():
            for case in cases:
                for at, actor, action, before, after, note in case["events"]:
                    yield ids[case["number"]], actor, at, action, before, after, note, "{}"

        def mediations():
            for case in cases:
                for held_on, kind, result, actor, at in case["mediations"]:
                    yield ids[case["number"]], kind, held_on, "乡镇人民调解委员会", result, "双方自愿达成调解协议" if result != "failed" else "", actor, at

        handlers = _copy(Case.handlers.through, ["case", "user"], ((ids[c["number"]], c["handler"]) for c in cases if c.get("handler")))
        event_count = _copy(CaseEvent, ["case", "actor", "at", "action", "from_status", "to_status", "note", "data"], events())
        mediation_count = _copy(MediationSession, ["case", "kind", "held_on", "mediator", "result", "agreement", "recorded_by", "recorded_at"],
                                mediations())
        statuses = {}
        for case in cases:
            statuses[case["status"]] = statuses.get(case["status"], 0) + 1
        self.counts.update(cases=written, case_events=event_count, mediations=mediation_count, case_handlers=handlers,
                           demands_from_visits=min(len(demands), written))
        self.counts.update({f"cases {status}": n for status, n in sorted(statuses.items())})
        return f"{written:,} cases, {event_count:,} events, {mediation_count:,} mediation sessions"

    def registration_time(self, fate: str) -> datetime.datetime:
        """Mostly any time in the year; most cases still open came in lately, so only some are overdue."""
        rng, last = self.rng, len(self.days) - 1
        recent = {"registered": 14, "accepted": 70, "assigned": 70, "in_progress": 70}.get(fate)
        day = last - rng.randrange(recent) if recent and rng.random() < 0.75 else rng.randrange(last + 1)
        return self.at(day, rng.randrange(8 * 60, 18 * 60))

    def work_case(self, case: dict, fate: str, category: CaseCategory, village: _Village) -> None:
        """Walk the case through the workflow towards its fate, stopping at today; fills in its fields and events."""
        rng, now = self.rng, self.now
        days = datetime.timedelta(days=1)
        intake = case["registered_by"] if case["source"] != Case.Source.VISIT else self.handlers[self.county_unit(village.county, "县信访局").pk]
        leader = self.leaders[village.county]
        at = case["registered_at"]
        case.update(status="registered", events=[(at, case["registered_by"], "register", "", "registered", "")], mediations=[])

        def move(after: str, actor: int, when: datetime.datetime, note: str = "") -> bool:
            if when > now:
                return False
            case["events"].append((when, actor, ACTIONS.get(after, after), case["status"], after, note))
            case["status"] = after
            return True

        if fate == "registered":
            return
        # Answered within the 15 days mostly; some late.
        answered = at + days * (rng.randrange(16, 30) if rng.random() < 0.08 else rng.randrange(1, 14)) + datetime.timedelta(hours=rng.randrange(8))
        if fate == "rejected":
            reason = "不属于信访事项，已告知通过诉讼途径解决"
            if move("rejected", intake, answered, reason):
                case.update(responded_at=answered, rejection_reason=reason)
            return
        if not move("accepted", intake, answered):
            return
        case.update(accepted_at=answered, responded_at=answered,
                    resolve_due=timezone.localtime(answered).date() + datetime.timedelta(days=category.resolve_days))
        if rng.random() < 0.03 and answered + days <= now:
            case.update(supervised=True, supervising_leader=self.city_supervisor.pk)
            case["events"].append((answered + days, self.city_supervisor.pk, "supervise", case["status"], case["status"], "挂牌督办，限期化解"))
        if fate == "accepted":
            return
        level = rng.choice([Case.Level.VILLAGE, Case.Level.TOWNSHIP, Case.Level.TOWNSHIP, Case.Level.COUNTY])
        unit = (self.county_unit(village.county, BUREAU_FOR_CATEGORY[category.name]) if level == Case.Level.COUNTY
                else self.township_unit(village.code))
        handler = self.handlers[unit.pk]
        assigned = answered + days * rng.randrange(0, 3) + datetime.timedelta(hours=1)
        if not move("assigned", intake, assigned):
            return
        case.update(level=level, unit=unit.pk, leader=leader, handler=handler)
        if fate == "assigned":
            return
        started = assigned + days * rng.randrange(0, 3) + datetime.timedelta(hours=1)
        if not move("in_progress", handler, started):
            return
        extended = rng.random() < 0.1
        if extended:
            case.update(extension_days=30, extension_reason="需要进一步调查核实，已告知信访人",
                        resolve_due=case["resolve_due"] + datetime.timedelta(days=30))
        # Resolved within the limit mostly (after the extension, if any); some late.
        due = datetime.datetime.combine(case["resolve_due"], datetime.time(17), tzinfo=self.zone)
        if rng.random() < 0.1:
            resolved = due + days * rng.randrange(1, 20)
        else:
            resolved = started + (due - started) * rng.uniform(0.7 if extended else 0.1, 0.95)
        if case["type"] == Case.Type.DISPUTE:
            for _n in range(rng.choice((1, 1, 2))):
                held = started + (min(resolved, now) - started) * rng.random()
                result = rng.choice(["agreed"] * 7 + ["partial"] + ["failed"] * 2)
                case["mediations"].append((timezone.localtime(held).date(), rng.choice(MediationSession.Kind.values), result, handler, held))
                case["was_mediated"] = True
                case["mediation_agreed"] = case.get("mediation_agreed", False) or result == MediationSession.Result.AGREED
                case["events"].append((held, handler, "mediate", case["status"], case["status"], ""))
        if extended:
            if started + days * 40 > min(resolved, now):
                case.update(extension_days=0, extension_reason="", resolve_due=case["resolve_due"] - datetime.timedelta(days=30))
            else:
                case["events"].append((started + days * 40, leader, "extend", case["status"], case["status"], case["extension_reason"]))
        if fate == "in_progress" or not move("resolved", handler, resolved):
            return
        case.update(outcome=rng.choice(Case.Outcome.values), reply="经调查核实，已按政策处理并向信访人当面答复", resolved_at=resolved)
        if fate == "resolved":
            return
        evaluated = resolved + days * rng.randrange(1, 8)
        if not move("evaluated", intake, evaluated):
            return
        case.update(satisfaction=rng.choice(SATISFACTION), evaluated_at=evaluated)
        if fate == "evaluated":
            return
        closed = evaluated + days * rng.randrange(1, 10)
        if move("closed", leader, closed):
            case["closed_at"] = closed


def _blank(name: str):
    """The value of a case field the case's history did not set."""
    return {"level": Case.Level.VILLAGE, "supervised": False, "was_mediated": False, "mediation_agreed": False, "extension_days": 0, "extension_reason": "", "rejection_reason": "",
            "outcome": "", "reply": "", "satisfaction": ""}.get(name)


def _kind_sets() -> list[list[str]]:
    """Kinds (四访) of a visit: one or two mostly, sometimes three; a list to pick from at random."""
    kinds = VisitKind.values
    ones = [[k] for k in kinds]
    twos = [[a, b] for i, a in enumerate(kinds) for b in kinds[i + 1:]]
    threes = [[k for k in kinds if k != left] for left in kinds]
    return ones * 6 + twos * 3 + threes
