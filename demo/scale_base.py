"""What the scale city's build phases share: its marks and sizes, the builder's state and clock, and
the writer that COPYs rows into a table (demo/scale.py describes the city)."""

import datetime
import json
import random
from bisect import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from django.db import connection
from django.db.models import NOT_PROVIDED, JSONField
from django.utils import timezone

from accounts.models import Unit, User
from accounts.roles import Role
from campaigns.models import Campaign

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
class Village:
    code: str
    name: str
    county: int  # index into Builder.counties
    households: list[tuple[int, str, str]] = field(default_factory=list)  # (id, head's name, phone)
    target_id: int = 0


class BuilderBase:
    """The builder's state: what it was asked for, its random generator and clock, and what each phase
    leaves for the later ones (the phases are the methods of the classes in scale_places, scale_people,
    scale_fieldwork and scale_cases, run in that order by scale.build)."""

    # Left by geography (scale_places):
    counties: list[tuple[str, str]]  # (code, name)
    townships: list[tuple[str, str, int]]  # (code, name, county index)
    villages: list[Village]
    township_names: dict[str, str]
    units: dict[tuple[str, str], Unit]  # (region code, name) -> unit
    # Left by users and households (scale_people):
    cadre_villages: list[Village]
    cadres: list[int]
    city_supervisor: User
    admin: User
    leaders: list[int]  # by county index
    handlers: dict[int, int]  # unit id -> its handler's id
    # Left by campaign and visits (scale_fieldwork):
    active_campaign: Campaign
    posts: list[tuple[int, int, Village]]  # (cadre, assignment, village)

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

    def county_unit(self, county: int, name: str) -> Unit:
        return self.units[(self.counties[county][0], name)]

    def township_unit(self, village_code: str) -> Unit:
        code = village_code[:9] + "000"
        return self.units[(code, self.township_names[code] + "人民政府")]


def copy_rows(model, names: list[str], rows: Iterable[tuple]) -> int:
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


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def weighted(choices: dict) -> Callable[[random.Random], object]:
    """A picker of dict keys in proportion to their weights."""
    keys, cumulative = list(choices), list(accumulate(choices.values()))
    return lambda rng: keys[bisect(cumulative, rng.random() * cumulative[-1])]

