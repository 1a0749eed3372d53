"""The demo county: deterministic, realistic data for `manage.py seed_demo`.

Everything is keyed by natural keys (division codes, unit names, usernames,
household numbers), so running the build twice leaves the database as it was.
Names come from a seeded random generator: the same county every time.
"""

import ipaddress
import itertools
import random
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    Pairing,
    TargetVillage,
    Visit,
    VisitKind,
)
from core import pii
from grievances import deadlines
from grievances import services as case_services
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory, CaseEvent, CaseNumberCounter, UnitWebhook

DEMO_PASSWORD = "Xiaxiang@2026"

PROVINCE = ("430000000000", "湖南省")
CITY = ("431200000000", "怀化市")
COUNTY = ("431299000000", "清溪县")
TOWNSHIPS = ["城关镇", "河西镇", "青石镇", "龙潭镇", "金竹镇", "桃源乡", "白马乡", "杉木乡", "石门乡", "枫树乡"]
VILLAGES_PER_TOWNSHIP = 10
HOUSEHOLDS_PER_VILLAGE = 50  # small, so `make run` seeds in seconds; a real county has ~600 (seed_demo --households-per-village)
HOUSEHOLDS_PER_VILLAGE_RANGE = (20, 2000)  # the build samples 15 households a village for ratings
CADRES_PER_UNIT = 10

COUNTY_UNITS = [
    "县委办公室", "县委组织部", "县委宣传部", "县纪委监委", "县委政法委",
    "县信访局", "县人力资源和社会保障局", "县农业农村局", "县民政局", "县自然资源局",
    "县住房和城乡建设局", "县生态环境局", "县水利局", "县交通运输局", "县卫生健康局",
    "县教育局", "县财政局", "县司法局", "县林业局", "县应急管理局",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃向汤"
)
GIVEN = "建国华明伟芳秀英桂兰春梅志强海军玉红金花德福永平小龙丽娟新民光辉文斌长生爱民振华秋菊凤英云霞国庆家兴"
VILLAGE_FIRST = "大小上下新老东西南北高长双石马龙桃杨竹枫"
VILLAGE_SECOND = "坪岭冲湾溪坡塘桥田垅"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    real_name: str
    role: Role | None  # None: a superuser, who needs no role
    unit_name: str
    jurisdiction_code: str | None
    is_staff: bool = False


def township_code(index: int) -> str:
    # 镇 are numbered from 100, 乡 from 200, as in the statistical codes.
    number = 100 + index if TOWNSHIPS[index].endswith("镇") else 200 + index
    return f"{COUNTY[0][:6]}{number:03d}000"


TOWNSHIP_NAMES_BY_CODE = {township_code(i): name for i, name in enumerate(TOWNSHIPS)}

DEMO_LOGINS = [
    DemoLogin("admin", "周建华", Role.CAMPAIGN_ADMIN, "县委组织部", COUNTY[0], is_staff=True),
    DemoLogin("ducha", "郑志强", Role.SUPERVISOR, "县纪委监委", COUNTY[0]),
    DemoLogin("ducha_cg", "罗秋菊", Role.SUPERVISOR, "城关镇人民政府", township_code(0)),
    DemoLogin("jingban", "何丽娟", Role.HANDLER, "县信访局", None),
    DemoLogin("lingdao", "唐振华", Role.LEADER, "县委办公室", None),
]
DEMO_CADRE_USERNAME = "gb001"  # the first of the 200 cadres doubles as the cadre demo login
TOWNSHIP_HANDLER_PREFIX = "jb"  # jb01…jb10: the 经办人 of each township government
SYSTEM_ADMIN = DemoLogin("xitong", "高文斌", None, "县委办公室", None, is_staff=True)  # 系统管理员, a superuser
# Reserved for examples (RFC 2606): no mail to these addresses can reach anyone, whatever EMAIL_URL says.
EMAIL_DOMAIN = "qingxi.example"
# Units whose 企业微信 / 钉钉 group robot posts to the demo's own receiver (demo/robot.py):
# the leader's office and five township governments, so both kinds of robot message are seen.
ROBOT_UNITS = [("县委办公室", UnitWebhook.Kind.DINGTALK)] + [
    (f"{name}人民政府", UnitWebhook.Kind.WECOM) for name in TOWNSHIPS[:5]
]
DEFAULT_ROBOT_URL = "http://127.0.0.1:8000/demo/robot/"


def is_loopback_url(url: str) -> bool:
    """An http(s) address on this machine (localhost, 127.0.0.0/8, ::1): nothing sent there leaves it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def demo_email(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


def build(today: date | None = None, robot_url: str = DEFAULT_ROBOT_URL,
          households_per_village: int = HOUSEHOLDS_PER_VILLAGE) -> list[tuple[str, str, str]]:
    """Build or refresh the demo county; returns (role, username, what they see) for every demo login.

    `robot_url` is the demo's own robot receiver (`/demo/robot/` of the running server); the units of
    ROBOT_UNITS post their reminders there. It must be a loopback address, so no message leaves the machine.
    `households_per_village` sizes the 100 villages: 50 for the demo, ~600 like a real county (for load tests).
    A re-run with a smaller size keeps the households built before.
    """
    if not is_loopback_url(robot_url):
        raise ValueError(f"the demo's robots post only to this machine (localhost, 127.0.0.1, ::1), not to {robot_url}")
    low, high = HOUSEHOLDS_PER_VILLAGE_RANGE
    if not low <= households_per_village <= high:
        raise ValueError(f"households per village must be between {low} and {high}, not {households_per_village}")
    rng = random.Random(2026)
    with transaction.atomic():
        villages = _build_regions(rng)
        units = _build_units()
        password = _password_hash()
        _build_cadres(rng, units, password)
        _build_demo_logins(units, password)
        _build_system_admin(units, password)
        _build_robots(units, robot_url)
        _build_households(rng, villages, households_per_village)
        active, closed = _build_campaigns(today or timezone.localdate(), units)
        _build_teams(rng, active, villages[::2][:40], units, first_cadre=1)
        _build_teams(rng, closed, villages[1::5][:20], units, first_cadre=101)
        _build_field_work(rng, active, today or timezone.localdate())
        township_handlers = _build_township_handlers(rng, units, password)
        _build_case_work(rng, township_handlers)
    rollups.refresh(full=True)  # the dashboards read the rollups: bring them up to date with the new rows
    roles = (
        [(Role.CADRE.label, DEMO_CADRE_USERNAME)] + [(login.role.label, login.username) for login in DEMO_LOGINS]
        + [(Role.HANDLER.label, user.username) for user in township_handlers] + [(_("System administrator"), SYSTEM_ADMIN.username)]
    )
    users = User.objects.select_related("unit", "jurisdiction").in_bulk([username for _r, username in roles], field_name="username")
    return [
        (str(role), username, " · ".join(str(part) for part in (users[username], users[username].unit, users[username].jurisdiction) if part))
        for role, username in roles
    ]


_NUMBERED = re.compile(r"(\D+)(\d+)")


def login_table(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The printed table of `build`'s logins: a run of numbered logins of one role (jb01…jb10) is one range line."""
    def run_of(row):
        numbered = _NUMBERED.fullmatch(row[1])
        return row[0], numbered.group(1) if numbered else row[1]

    table = []
    for _run, group in itertools.groupby(rows, key=run_of):
        group = list(group)
        (role, first, first_who), (_role, last, last_who) = group[0], group[-1]
        if len(group) == 1:
            table.append(group[0])
        else:
            who = _("%(count)s accounts: %(first)s … %(last)s") % {"count": len(group), "first": first_who, "last": last_who}
            table.append((role, f"{first}…{last}", who))
    return table


def _upsert_regions(rows: list[Region]) -> None:
    Region.objects.bulk_create(rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "level", "parent"])


def _build_regions(rng: random.Random) -> list[Region]:
    _upsert_regions(
        [
            Region(code=PROVINCE[0], name=PROVINCE[1], level=Region.Level.PROVINCE),
            Region(code=CITY[0], name=CITY[1], level=Region.Level.CITY, parent_id=PROVINCE[0]),
            Region(code=COUNTY[0], name=COUNTY[1], level=Region.Level.COUNTY, parent_id=CITY[0]),
        ]
    )
    _upsert_regions(
        [
            Region(code=code, name=name, level=Region.Level.TOWNSHIP, parent_id=COUNTY[0])
            for code, name in TOWNSHIP_NAMES_BY_CODE.items()
        ]
    )
    villages = []
    for code in TOWNSHIP_NAMES_BY_CODE:
        names = rng.sample([a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND], VILLAGES_PER_TOWNSHIP)
        for number, name in enumerate(names, start=201):
            villages.append(
                Region(code=f"{code[:9]}{number:03d}", name=f"{name}村", level=Region.Level.VILLAGE, parent_id=code)
            )
    _upsert_regions(villages)
    return villages


def _unit_kind(name: str) -> str:
    if name == "县信访局":
        return Unit.Kind.PETITION_OFFICE
    return Unit.Kind.PARTY if name.startswith("县委") else Unit.Kind.GOVERNMENT


def _build_units() -> dict[str, Unit]:
    rows = [Unit(name=name, region_id=COUNTY[0], kind=_unit_kind(name)) for name in COUNTY_UNITS]
    rows += [Unit(name=f"{name}人民政府", region_id=code, kind=Unit.Kind.TOWNSHIP) for code, name in TOWNSHIP_NAMES_BY_CODE.items()]
    Unit.objects.bulk_create(rows, update_conflicts=True, unique_fields=["region", "name"], update_fields=["kind"])
    return {unit.name: unit for unit in Unit.objects.filter(region__code__startswith=COUNTY[0][:6])}


def _password_hash() -> str:
    # Hashing once keeps seeding fast; every demo account shares DEMO_PASSWORD.
    return make_password(DEMO_PASSWORD)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "151", "158", "177", "182", "187", "189", "199")) + f"{rng.randrange(10**8):08d}"


def _create_missing_users(users: list[User], role: Role | None) -> None:
    """Insert users not there yet (a re-run keeps passwords and edits), give an e-mail address to those who
    have none yet, and put all of them in the role's group."""
    existing = set(User.objects.filter(username__in=[u.username for u in users]).values_list("username", flat=True))
    User.objects.bulk_create([u for u in users if u.username not in existing])
    for user in users:
        if user.email and user.username in existing:
            User.objects.filter(username=user.username, email="").update(email=user.email)
    if role is None:
        return
    group = Group.objects.get(name=role.value)
    group.user_set.add(*User.objects.filter(username__in=[u.username for u in users]))


def _build_cadres(rng: random.Random, units: dict[str, Unit], password: str) -> None:
    cadres = []
    for unit_index, unit_name in enumerate(COUNTY_UNITS):
        for n in range(CADRES_PER_UNIT):
            number = unit_index * CADRES_PER_UNIT + n + 1
            cadres.append(
                User(
                    username=f"gb{number:03d}",
                    real_name=_person_name(rng),
                    phone=_phone(rng),
                    unit=units[unit_name],
                    password=password,
                )
            )
    _create_missing_users(cadres, Role.CADRE)


def _build_demo_logins(units: dict[str, Unit], password: str) -> None:
    for login in DEMO_LOGINS:
        user = User(
            username=login.username,
            real_name=login.real_name,
            unit=units[login.unit_name],
            jurisdiction_id=login.jurisdiction_code,
            is_staff=login.is_staff,
            email=demo_email(login.username),
            password=password,
        )
        _create_missing_users([user], login.role)


def _build_system_admin(units: dict[str, Unit], password: str) -> None:
    """A 系统管理员 (superuser): sees every record, the audit trail and every reminder's deliveries in the admin."""
    login = SYSTEM_ADMIN
    user = User(
        username=login.username, real_name=login.real_name, unit=units[login.unit_name], email=demo_email(login.username),
        is_staff=login.is_staff, is_superuser=True, password=password,
    )
    _create_missing_users([user], None)


def _build_robots(units: dict[str, Unit], robot_url: str) -> None:
    """Group robots of ROBOT_UNITS, each at its own address of the demo's receiver. A re-run moves a robot
    still on this machine to the receiver's current address (another PORT) and leaves any other robot be."""
    for name, kind in ROBOT_UNITS:
        unit = units[name]
        url = f"{robot_url.rstrip('/')}/{unit.pk}/"
        robot, created = UnitWebhook.objects.get_or_create(unit=unit, defaults={"kind": kind, "url": url})
        if not created and robot.url != url and is_loopback_url(robot.url):
            UnitWebhook.objects.filter(pk=robot.pk).update(url=url)


def _build_township_handlers(rng: random.Random, units: dict[str, Unit], password: str) -> list[User]:
    """jb01…jb10, the 经办人 of each township government, who work the cases assigned to their township."""
    users = [
        User(username=f"{TOWNSHIP_HANDLER_PREFIX}{n:02d}", real_name=_person_name(rng), unit=units[f"{name}人民政府"],
             email=demo_email(f"{TOWNSHIP_HANDLER_PREFIX}{n:02d}"), password=password)
        for n, name in enumerate(TOWNSHIP_NAMES_BY_CODE.values(), start=1)
    ]
    _create_missing_users(users, Role.HANDLER)
    return list(User.objects.filter(username__in=[u.username for u in users]).select_related("unit").order_by("username"))


def _id_number(rng: random.Random, village: Region, taken: set[str]) -> str:
    while True:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        first17 = f"{village.code[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in taken:
            taken.add(first17)
            return first17 + pii.id_number_check_digit(first17)


def _build_households(rng: random.Random, villages: list[Region], per_village: int = HOUSEHOLDS_PER_VILLAGE) -> None:
    # Encryption is randomised: keep the stored token when the number is unchanged, so a re-run changes nothing.
    stored = {(v, n): (h, c) for v, n, h, c in Household.objects.values_list("village_id", "number", "id_number_hash", "id_number_cipher")}
    rows, taken = [], set()
    group = max(10, per_village // 10)  # households of a 村民小组: 10 in the small demo, ~60 in a real village
    for village in villages:
        for n in range(1, per_village + 1):
            household = Household(
                village_id=village.code,
                number=f"{n:04d}",
                head_name=_person_name(rng),
                address=f"{village.name}{(n - 1) // group + 1}组{n}号",
                phone=_phone(rng) if rng.random() < 0.85 else "",
                members=rng.randint(1, 7),
            )
            id_number = _id_number(rng, village, taken)
            old_hash, old_cipher = stored.get((village.code, household.number), ("", ""))
            if old_hash == pii.lookup_hash(id_number):
                household.id_number_hash, household.id_number_cipher = old_hash, old_cipher
            else:
                household.set_id_number(id_number)
            rows.append(household)
    Household.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["village", "number"],
        update_fields=["head_name", "address", "phone", "members", "id_number_hash", "id_number_cipher"],
    )


def _build_campaigns(today: date, units: dict[str, Unit]) -> tuple[Campaign, Campaign]:
    """One active 三同四民 week around today and last year's closed 千名干部进百村; dates fixed at first run."""
    organiser = units["县委组织部"]
    active, _created = Campaign.objects.get_or_create(
        name="“三同四民”主题实践活动",
        organiser_region_id=COUNTY[0],
        defaults={
            "kind": Campaign.Kind.SANTONG_SIMIN,
            "theme": "访民情、解民忧、办实事、促和谐",
            "organiser_unit": organiser,
            "start_date": today - timedelta(days=3),
            "end_date": today + timedelta(days=3),
            "status": Campaign.Status.ACTIVE,
            "target_households_visited": 10,
            "target_nights_stayed": 3,
            "target_deeds_done": 2,
        },
    )
    closed, _created = Campaign.objects.get_or_create(
        name="千名干部进百村、五送五帮促和谐",
        organiser_region_id=COUNTY[0],
        defaults={
            "kind": Campaign.Kind.THOUSAND_CADRES,
            "theme": "送政策、送温暖、送技术、送信息、送法律",
            "organiser_unit": organiser,
            "start_date": today - timedelta(days=400),
            "end_date": today - timedelta(days=340),
            "status": Campaign.Status.CLOSED,
            "target_households_visited": 30,
            "target_nights_stayed": 10,
            "target_deeds_done": 5,
        },
    )
    admin = User.objects.get(username="admin")
    for campaign, actions in ((active, ["created", "activated"]), (closed, ["created", "activated", "closed"])):
        for action in actions:
            CampaignEvent.objects.get_or_create(
                campaign=campaign, action=action,
                defaults={"actor": admin, "summary": f"{CampaignEvent.Action(action).label}（演示数据）", "at": timezone.make_aware(
                    datetime.combine(campaign.end_date if action == "closed" else campaign.start_date - timedelta(days=3 if action == "created" else 0), time(9)))},
            )
    return active, closed


def _build_teams(rng: random.Random, campaign: Campaign, villages: list[Region], units: dict[str, Unit], first_cadre: int) -> None:
    """Five cadres a village, the first its leader; a helping unit and the flags that got it chosen."""
    county_units = [units[name] for name in COUNTY_UNITS]
    targets = []
    for index, village in enumerate(villages):
        flags = rng.sample(TargetVillage.FLAGS, rng.choice((0, 1, 1, 2)))
        targets.append(TargetVillage(campaign=campaign, village=village, helping_unit=county_units[index % len(county_units)], **{f: True for f in flags}))
    TargetVillage.objects.bulk_create(targets, ignore_conflicts=True)
    targets = list(TargetVillage.objects.filter(campaign=campaign).order_by("village_id"))
    cadres = {u.username: u for u in User.objects.filter(username__startswith="gb")}
    existing = set(Assignment.objects.filter(target_village__campaign=campaign).values_list("cadre_id", flat=True))
    new = []
    for index, target in enumerate(targets):
        for n in range(5):
            cadre = cadres[f"gb{first_cadre + index * 5 + n:03d}"]
            if cadre.pk not in existing:
                role = Assignment.Role.LEADER if n == 0 else Assignment.Role.MEMBER
                new.append(Assignment(target_village=target, cadre=cadre, role=role, start_date=campaign.start_date, end_date=campaign.end_date))
    Assignment.objects.bulk_create(new)


DIARY_LINES = [
    "到户里拉家常，了解今年收成和家里的开支。", "帮老人打扫院子，听他讲村里的变化。", "和户主一起下地，了解种植技术上的难处。",
    "宣讲了新农合和养老保险政策，解答了报销流程的疑问。", "了解到孩子上学路远，记下了校车的诉求。", "与村干部一起走访，核对低保户家庭情况。",
    "户主反映灌溉渠堵塞，影响春耕。", "在户里吃了午饭，聊到外出务工的打算。",
]
DEMANDS = [
    ("村道路灯损坏，夜间出行不便", Case.Type.LIVELIHOOD, "其他"), ("灌溉水渠年久失修", Case.Type.LIVELIHOOD, "其他"),
    ("低保评定有异议", Case.Type.PETITION, "低保分配"), ("宅基地边界纠纷", Case.Type.PETITION, "权属纠纷"),
    ("饮水管道漏水", Case.Type.LIVELIHOOD, "其他"), ("山林流转补偿未到位", Case.Type.PETITION, "山林土地流转"),
]
DEEDS = [("帮助联系农技员指导果树修剪", 0), ("送去米油慰问", 200), ("协助办理医保报销", 0), ("帮助修缮屋顶", 800), ("联系就业岗位", 0)]


def _build_field_work(rng: random.Random, campaign: Campaign, today: date) -> None:
    """A few days of check-ins, visits (some with demands and deeds), pairings and residents' ratings.

    Built once: if the campaign already has visits, a re-run leaves everything as it is.
    """
    if Visit.objects.filter(assignment__target_village__campaign=campaign).exists():
        return
    assignments = list(Assignment.objects.filter(target_village__campaign=campaign).select_related("cadre", "target_village"))
    households = {}
    for household in Household.objects.filter(village__in=[a.target_village.village_id for a in assignments]).order_by("number"):
        households.setdefault(household.village_id, []).append(household)
    days = [campaign.start_date + timedelta(days=n) for n in range((min(today, campaign.end_date) - campaign.start_date).days + 1)]
    check_ins, visits, pairings, cases = [], [], [], []
    now = timezone.now()  # nothing is recorded in the future
    for assignment in assignments:
        village_households = households[assignment.target_village.village_id]
        paired = rng.sample(village_households, 2)
        pairings += [Pairing(campaign=campaign, cadre=assignment.cadre, household=h, needs=rng.choice(["子女就学", "产业发展资金", "危房改造", "就医报销", "技能培训"])) for h in paired]
        for day in days:
            if rng.random() < 0.93:  # a few are absent each day
                at = min(now, timezone.make_aware(datetime.combine(day, time(7 + rng.randrange(2), rng.randrange(60)))))
                check_ins.append(CheckIn(cadre=assignment.cadre, assignment=assignment, day=day, checked_at=at))
            for n in range(rng.choice((2, 3, 3, 4))):
                household = rng.choice(paired + village_households)
                deed, value = rng.choice(DEEDS) if rng.random() < 0.25 else ("", 0)
                visits.append(Visit(
                    client_id=uuid.UUID(int=rng.getrandbits(128)), cadre=assignment.cadre, assignment=assignment, household=household,
                    visited_on=day, recorded_at=min(now, timezone.make_aware(datetime.combine(day, time(9 + 3 * n, rng.randrange(60))))),
                    kinds=rng.sample(VisitKind.values, rng.choice((1, 2))), ate_together=rng.random() < 0.4,
                    stayed_overnight=n == 0 and rng.random() < 0.5, laboured_together=rng.random() < 0.3,
                    diary=rng.choice(DIARY_LINES), deed=deed, deed_value=value or None,
                ))
    Pairing.objects.bulk_create(pairings)
    CheckIn.objects.bulk_create(check_ins)
    Visit.objects.bulk_create(visits)
    year = timezone.localtime().year
    counter, _created = CaseNumberCounter.objects.get_or_create(year=year)
    ensure_default_categories(CaseCategory)
    categories = {c.name: c for c in CaseCategory.objects.all()}
    calendar = deadlines.WorkingCalendar.load()
    for visit in Visit.objects.filter(assignment__target_village__campaign=campaign).select_related("household", "assignment__target_village").order_by("recorded_at", "pk"):
        if rng.random() < 0.06:
            summary, kind, category = rng.choice(DEMANDS)
            counter.last += 1
            received = timezone.localtime(visit.recorded_at).date()
            cases.append(Case(
                number=f"XF-{year}-{counter.last:06d}", type=kind, source=Case.Source.VISIT, summary=summary,
                category=categories[category], petitioner_name=visit.household.head_name, petitioner_phone=visit.household.phone,
                village_id=visit.assignment.target_village.village_id, household=visit.household, visit=visit,
                registered_by=visit.cadre, registered_at=visit.recorded_at,
                accept_due=received + timedelta(days=categories[category].accept_days),
                objection_due=calendar.add_working_days(received, categories[category].objection_working_days).due,
            ))
    Case.objects.bulk_create(cases)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, actor_id=case.registered_by_id, at=case.registered_at, action="register", to_status=Case.Status.REGISTERED)
        for case in Case.objects.filter(visit__assignment__target_village__campaign=campaign)
    )
    counter.save(update_fields=["last"])
    ratings = [Evaluation.Rating.SATISFIED] * 8 + [Evaluation.Rating.FAIRLY_SATISFIED] * 3 + [Evaluation.Rating.DISSATISFIED]
    evaluations = []
    for target in sorted({a.target_village for a in assignments}, key=lambda t: t.pk):
        for household in rng.sample(households[target.village_id], 15):
            evaluations.append(Evaluation(campaign=campaign, target_village=target, household=household, rating=rng.choice(ratings)))
    Evaluation.objects.bulk_create(evaluations)


OFFICE_MATTERS = [
    ("反映征地补偿款未足额发放", Case.Type.PETITION, "农村土地征用"), ("养殖场污水直排河道", Case.Type.PETITION, "环境污染"),
    ("与邻居宅基地界址争议", Case.Type.DISPUTE, "权属纠纷"), ("工地拖欠农民工工资", Case.Type.PETITION, "劳资"),
    ("村务公开不及时，账目有疑问", Case.Type.PETITION, "村务财务"), ("山林承包合同纠纷", Case.Type.DISPUTE, "山林土地流转"),
    ("低保名额分配不公", Case.Type.PETITION, "低保分配"), ("村道塌方存在安全隐患", Case.Type.LIVELIHOOD, "安全事故"),
]
# How far each office case has come: (last move, share of cases).
CASE_FATES = [("registered", 2), ("reject", 1), ("accept", 1), ("assign", 2), ("start", 3), ("resolve", 2), ("evaluate", 2), ("close", 4)]


def _build_case_work(rng: random.Random, township_handlers: list[User]) -> None:
    """Petitions registered by the county office over three months, worked through the real services
    (so every move is an event) to every state: some overdue, some extended, mediated or supervised.

    Built once, like the field work.
    """
    if Case.objects.exclude(source=Case.Source.VISIT).exists():
        return
    ensure_default_categories(CaseCategory)
    categories = {c.name: c for c in CaseCategory.objects.all()}
    intake = User.objects.get(username="jingban")
    leader = User.objects.get(username="lingdao")
    supervisor = User.objects.get(username="ducha")
    villages = list(Region.objects.villages().in_region(COUNTY[0]).order_by("code"))
    now = timezone.now()
    fates = [fate for fate, weight in CASE_FATES for _ in range(weight)]
    for n in range(120):
        summary, kind, category = rng.choice(OFFICE_MATTERS)
        village = rng.choice(villages)
        handler = next(h for h in township_handlers if village.code.startswith(h.unit.region_id[:9]))
        start = now - timedelta(days=rng.randrange(2, 95), hours=rng.randrange(8))
        case = case_services.case_register(
            actor=intake, type=kind, source=rng.choice([Case.Source.IN_PERSON, Case.Source.LETTER, Case.Source.PHONE, Case.Source.ONLINE]),
            summary=summary, category=categories[category], petitioner_name=_person_name(rng), petitioner_phone=_phone(rng),
            head_count=rng.choice([1, 1, 1, 2, 6]), village_id=village.code, now=start,
        )
        fate = rng.choice(fates)
        if fate == "reject":
            case_services.case_reject(actor=intake, case_id=case.pk, reason="不属于信访事项，已告知通过诉讼途径解决", now=start + timedelta(days=1))
            continue
        c = case.pk
        plan = [
            (rng.randrange(1, 14), "accept", lambda at: case_services.case_accept(actor=intake, case_id=c, now=at)),
            (15, "assign", lambda at: case_services.case_assign(
                actor=intake, case_id=c, unit=handler.unit, leader=leader, handlers=[handler],
                level=rng.choice([Case.Level.VILLAGE, Case.Level.TOWNSHIP, Case.Level.TOWNSHIP, Case.Level.COUNTY]), now=at)),
            (16, "start", lambda at: case_services.case_start(actor=handler, case_id=c, now=at)),
        ]
        if rng.random() < 0.15:
            plan.insert(2, (15, "supervise", lambda at: case_services.case_supervise(actor=supervisor, case_id=c, note="挂牌督办，限期化解", now=at)))
        if kind == Case.Type.DISPUTE:
            plan.append((20, "mediate", lambda at: case_services.case_mediate(
                actor=handler, case_id=c, kind=rng.choice(["peoples", "administrative", "judicial"]), held_on=at.date(),
                mediator="乡镇调委会", result=rng.choice(["agreed"] * 9 + ["failed"]), agreement="双方自愿达成调解协议", now=at)))
        if rng.random() < 0.2:
            plan.append((40, "request_extension", lambda at: case_services.case_request_extension(actor=handler, case_id=c, days=30, reason="需要进一步调查核实", now=at)))
            plan.append((41, "extend", lambda at: case_services.case_extend(actor=leader, case_id=c, days=30, reason="需要进一步调查核实，已告知信访人", now=at)))
        plan += [
            (45, "resolve", lambda at: case_services.case_resolve(actor=handler, case_id=c, outcome=rng.choice(Case.Outcome.values),
                                                          reply="经调查核实，已按政策处理并向信访人当面答复", now=at)),
            (50, "evaluate", lambda at: case_services.case_evaluate(
                actor=intake, case_id=c, satisfaction=rng.choice(["satisfied"] * 6 + ["fairly_satisfied"] * 3 + ["dissatisfied"]),
                callback=rng.random() < 0.3, now=at)),
            (55, "close", lambda at: case_services.case_close(actor=leader, case_id=c, now=at)),
        ]
        if fate == "registered":
            continue
        for day, name, run in plan:
            at = start + timedelta(days=day)
            if at > now:
                break  # the rest of this case is still to come
            run(at)
            if name == fate:
                break
