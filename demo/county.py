"""The demo county: deterministic, realistic data for `manage.py seed_demo`.

Everything is keyed by natural keys (division codes, unit names, usernames,
household numbers), so running the build twice leaves the database as it was.
Names come from a seeded random generator: the same county every time.

`build` runs the parts in a fixed order (the random sequence depends on it), each in its module:
county_regions (regions and units), county_accounts (cadres and logins), county_households,
county_fieldwork (campaigns, teams, visits and the cases raised on them, ratings) and county_cases
(the petition office's cases); the group robots are here. Names and phrases come from names and phrases.
"""

import ipaddress
import itertools
import random
import re
from datetime import date
from urllib.parse import urlsplit

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.roles import Role
from campaigns import rollups
from campaigns import services as campaign_services
from grievances.models import SmsTemplate, UnitWebhook

from .county_accounts import (
    DEMO_CADRE_USERNAME,
    DEMO_LOGINS,
    SYSTEM_ADMIN,
    build_cadres,
    build_demo_logins,
    build_system_admin,
    build_township_handlers,
)
from .county_cases import build_case_work
from .county_fieldwork import build_campaigns, build_fabrications, build_field_work, build_teams
from .county_households import build_household_history, build_households
from .county_regions import TOWNSHIPS, build_regions, build_units

DEMO_PASSWORD = "Xiaxiang@2026"
HOUSEHOLDS_PER_VILLAGE = 50  # small, so `make run` seeds in seconds; a real county has ~600 (seed_demo --households-per-village)
HOUSEHOLDS_PER_VILLAGE_RANGE = (20, 2000)  # the build samples 15 households a village for ratings

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


def build(today: date | None = None, robot_url: str = DEFAULT_ROBOT_URL,
          households_per_village: int = HOUSEHOLDS_PER_VILLAGE, flag_pass: bool = True) -> list[tuple[str, str, str]]:
    """Build or refresh the demo county; returns (role, username, what they see) for every demo login.

    `robot_url` is the demo's own robot receiver (`/demo/robot/` of the running server); the units of
    ROBOT_UNITS post their reminders there. It must be a loopback address, so no message leaves the machine.
    `households_per_village` sizes the 100 villages: 50 for the demo, ~600 like a real county (for load tests).
    A re-run with a smaller size keeps the households built before. `flag_pass`: run the nightly fabrication pass
    now, so the flag queue shows what the rules find (half the build's time; tests that look at no flag skip it).
    """
    if not is_loopback_url(robot_url):
        raise ValueError(f"the demo's robots post only to this machine (localhost, 127.0.0.1, ::1), not to {robot_url}")
    low, high = HOUSEHOLDS_PER_VILLAGE_RANGE
    if not low <= households_per_village <= high:
        raise ValueError(f"households per village must be between {low} and {high}, not {households_per_village}")
    rng = random.Random(2026)
    with transaction.atomic():
        villages = build_regions(rng)
        units = build_units()
        password = _password_hash()
        build_cadres(rng, units, password)
        build_demo_logins(units, password)
        build_system_admin(units, password)
        _build_robots(units, robot_url)
        _build_sms_templates()
        build_households(rng, villages, households_per_village)
        active, closed = build_campaigns(today or timezone.localdate(), units)
        build_teams(rng, active, villages[::2][:40], units, first_cadre=1)
        build_teams(rng, closed, villages[1::5][:20], units, first_cadre=101)
        build_field_work(rng, active, today or timezone.localdate())
        build_fabrications(active, today or timezone.localdate())
        build_household_history(User.objects.get(username=DEMO_CADRE_USERNAME))
        township_handlers = build_township_handlers(rng, units, password)
        build_case_work(rng, township_handlers)
    rollups.refresh(full=True)  # the dashboards read the rollups: bring them up to date with the new rows
    if flag_pass:
        campaign_services.flags_check_all()  # the nightly pass, now: the flag queue shows what the rules find in the demo
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


def _password_hash() -> str:
    # Hashing once keeps seeding fast; every demo account shares DEMO_PASSWORD.
    return make_password(DEMO_PASSWORD)


def _build_robots(units: dict[str, Unit], robot_url: str) -> None:
    """Group robots of ROBOT_UNITS, each at its own address of the demo's receiver. A re-run moves a robot
    still on this machine to the receiver's current address (another PORT) and leaves any other robot be."""
    for name, kind in ROBOT_UNITS:
        unit = units[name]
        url = f"{robot_url.rstrip('/')}/{unit.pk}/"
        robot, created = UnitWebhook.objects.get_or_create(unit=unit, defaults={"kind": kind, "url": url})
        if not created and robot.url != url and is_loopback_url(robot.url):
            UnitWebhook.objects.filter(pk=robot.pk).update(url=url)


def _build_sms_templates() -> None:
    """make run's SMS provider is "log" (settings.SMS_PROVIDER): with a template for every purpose, reminders and the
    petitioners' notices (planned as the demo's cases move) are texted to its log, and their timelines say so."""
    for purpose in SmsTemplate.Purpose:
        SmsTemplate.objects.get_or_create(provider=SmsTemplate.Provider.LOG, purpose=purpose,
                                          defaults={"code": f"demo-{purpose}", "parameters": ",".join(SmsTemplate.PARAMETERS[purpose])})
