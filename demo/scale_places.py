"""The scale city's map and offices: its counties, townships and villages under PREFIX, the city's
units, each county's bureaus and each township's government."""

from accounts.models import Region, Unit

from .county_regions import COUNTY_UNITS, unit_kind
from .names import VILLAGE_FIRST, VILLAGE_SECOND
from .scale_base import (
    CITY,
    HOUSEHOLDS_PER_VILLAGE,
    MAX_COUNTIES,
    PREFIX,
    PROVINCE,
    TOWNSHIPS_PER_COUNTY,
    VILLAGES_PER_TOWNSHIP,
    BuilderBase,
    Village,
)

CITY_UNITS = ["市委组织部", "市信访局", "市纪委监委"]
COUNTY_FIRST = "清云青白石金玉龙凤桃杉枫松柳梅竹"
COUNTY_SECOND = "江溪山水阳源田湖岭平"
TOWNSHIP_FIRST = "城河青龙金桃白杉石枫马双高长新黄"
TOWNSHIP_SECOND = "关西石潭竹源马木门树口坪桥塘"


class TooLarge(Exception):
    pass


class Geography(BuilderBase):
    """The first phase: regions and units."""

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
        self.villages: list[Village] = []
        village_names = [a + b + "村" for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
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
                    village = Village(f"{code[:9]}{number:03d}", village_name, c)
                    self.villages.append(village)
                    regions.append(Region(code=village.code, name=village.name, level=Region.Level.VILLAGE, parent_id=code))
        Region.objects.bulk_create(regions, batch_size=2000)
        self.township_names = {code: name for code, name, _c in self.townships}

        units = [Unit(name=name, region_id=CITY[0], kind=Unit.Kind.PARTY if name.startswith("市委") else Unit.Kind.GOVERNMENT)
                 for name in CITY_UNITS]
        for county_code, _name in self.counties:
            units += [Unit(name=name, region_id=county_code, kind=unit_kind(name)) for name in COUNTY_UNITS]
        units += [Unit(name=f"{name}人民政府", region_id=code, kind=Unit.Kind.TOWNSHIP) for code, name, _c in self.townships]
        Unit.objects.bulk_create(units)
        self.units = {(u.region_id, u.name): u for u in Unit.objects.filter(region__code__startswith=PREFIX)}
        self.counts.update(counties=len(self.counties), townships=len(self.townships), villages=len(self.villages), units=len(self.units))
        return f"{len(self.counties)} counties, {len(self.townships)} townships, {len(self.villages):,} villages, {len(self.units)} units"
