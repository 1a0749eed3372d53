"""The demo county's accounts: 200 cadres of the county units, the demo logins of each role, the
townships' handlers (jb01…jb10) and a system administrator; all share one password hash."""

import random
from dataclasses import dataclass

from django.contrib.auth.models import Group

from accounts.models import Unit, User
from accounts.roles import Role

from .county_regions import COUNTY, COUNTY_UNITS, TOWNSHIP_NAMES_BY_CODE, township_code
from .names import person_name, phone

CADRES_PER_UNIT = 10


@dataclass(frozen=True)
class DemoLogin:
    username: str
    real_name: str
    role: Role | None  # None: a superuser, who needs no role
    unit_name: str
    jurisdiction_code: str | None
    is_staff: bool = False


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


def demo_email(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


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


def build_cadres(rng: random.Random, units: dict[str, Unit], password: str) -> None:
    cadres = []
    for unit_index, unit_name in enumerate(COUNTY_UNITS):
        for n in range(CADRES_PER_UNIT):
            number = unit_index * CADRES_PER_UNIT + n + 1
            cadres.append(
                User(
                    username=f"gb{number:03d}",
                    real_name=person_name(rng),
                    phone=phone(rng),
                    unit=units[unit_name],
                    password=password,
                )
            )
    _create_missing_users(cadres, Role.CADRE)


def build_demo_logins(units: dict[str, Unit], password: str) -> None:
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


def build_system_admin(units: dict[str, Unit], password: str) -> None:
    """A 系统管理员 (superuser): sees every record, the audit trail and every reminder's deliveries in the admin."""
    login = SYSTEM_ADMIN
    user = User(
        username=login.username, real_name=login.real_name, unit=units[login.unit_name], email=demo_email(login.username),
        is_staff=login.is_staff, is_superuser=True, password=password,
    )
    _create_missing_users([user], None)


def build_township_handlers(rng: random.Random, units: dict[str, Unit], password: str) -> list[User]:
    """jb01…jb10, the 经办人 of each township government, who work the cases assigned to their township."""
    users = [
        User(username=f"{TOWNSHIP_HANDLER_PREFIX}{n:02d}", real_name=person_name(rng), unit=units[f"{name}人民政府"],
             email=demo_email(f"{TOWNSHIP_HANDLER_PREFIX}{n:02d}"), password=password)
        for n, name in enumerate(TOWNSHIP_NAMES_BY_CODE.values(), start=1)
    ]
    _create_missing_users(users, Role.HANDLER)
    return list(User.objects.filter(username__in=[u.username for u in users]).select_related("unit").order_by("username"))
