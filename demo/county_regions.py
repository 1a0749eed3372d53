"""The demo county's map and offices: province, city, county, its ten townships and hundred villages,
the county's party and government units and each township's government."""

import random
from decimal import Decimal

from accounts.models import Region, Unit

from .names import VILLAGE_FIRST, VILLAGE_SECOND

PROVINCE = ("430000000000", "湖南省")
CITY = ("431200000000", "怀化市")
COUNTY = ("431299000000", "清溪县")
TOWNSHIPS = ["城关镇", "河西镇", "青石镇", "龙潭镇", "金竹镇", "桃源乡", "白马乡", "杉木乡", "石门乡", "枫树乡"]
VILLAGES_PER_TOWNSHIP = 10

COUNTY_UNITS = [
    "县委办公室", "县委组织部", "县委宣传部", "县纪委监委", "县委政法委",
    "县信访局", "县人力资源和社会保障局", "县农业农村局", "县民政局", "县自然资源局",
    "县住房和城乡建设局", "县生态环境局", "县水利局", "县交通运输局", "县卫生健康局",
    "县教育局", "县财政局", "县司法局", "县林业局", "县应急管理局",
]


def township_code(index: int) -> str:
    # 镇 are numbered from 100, 乡 from 200, as in the statistical codes.
    number = 100 + index if TOWNSHIPS[index].endswith("镇") else 200 + index
    return f"{COUNTY[0][:6]}{number:03d}000"


TOWNSHIP_NAMES_BY_CODE = {township_code(i): name for i, name in enumerate(TOWNSHIPS)}


def _upsert_regions(rows: list[Region], *fields: str) -> None:
    Region.objects.bulk_create(rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "level", "parent", *fields])


COUNTY_CENTRE = (Decimal("27.850000"), Decimal("112.450000"))  # the demo county's villages lie within ~25 km of it


def village_point(code: str) -> tuple[Decimal, Decimal]:
    """A village committee's place, the same on every run (its own random stream: the demo's names stay as they were)."""
    place = random.Random(code)
    return tuple((centre + Decimal(place.uniform(-0.22, 0.22))).quantize(Decimal("0.000001")) for centre in COUNTY_CENTRE)


def build_regions(rng: random.Random) -> list[Region]:
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
                Region(code=f"{code[:9]}{number:03d}", name=f"{name}村", level=Region.Level.VILLAGE, parent_id=code,
                       **dict(zip(("latitude", "longitude"), village_point(f"{code[:9]}{number:03d}"), strict=True)))
            )
    _upsert_regions(villages, "latitude", "longitude")
    return villages


def unit_kind(name: str) -> str:
    if name == "县信访局":
        return Unit.Kind.PETITION_OFFICE
    return Unit.Kind.PARTY if name.startswith("县委") else Unit.Kind.GOVERNMENT


def build_units() -> dict[str, Unit]:
    rows = [Unit(name=name, region_id=COUNTY[0], kind=unit_kind(name)) for name in COUNTY_UNITS]
    rows += [Unit(name=f"{name}人民政府", region_id=code, kind=Unit.Kind.TOWNSHIP) for code, name in TOWNSHIP_NAMES_BY_CODE.items()]
    Unit.objects.bulk_create(rows, update_conflicts=True, unique_fields=["region", "name"], update_fields=["kind"])
    return {unit.name: unit for unit in Unit.objects.filter(region__code__startswith=COUNTY[0][:6])}
