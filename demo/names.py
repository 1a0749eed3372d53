"""The made-up people and places of the demo county and the scale city: names, phone numbers,
ID numbers and the words village names are made of.

Every helper draws from the random generator it is given, in a fixed order, so a seed gives the
same people every time.
"""

import random
from datetime import date, timedelta

from core import pii

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃向汤"
)
GIVEN = "建国华明伟芳秀英桂兰春梅志强海军玉红金花德福永平小龙丽娟新民光辉文斌长生爱民振华秋菊凤英云霞国庆家兴"
VILLAGE_FIRST = "大小上下新老东西南北高长双石马龙桃杨竹枫"
VILLAGE_SECOND = "坪岭冲湾溪坡塘桥田垅"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "151", "158", "177", "182", "187", "189", "199")) + f"{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, region_code: str, taken: set[str]) -> str:
    """A resident identity card number of the region's county, born 1940–1999, not in `taken` (which it joins)."""
    while True:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        first17 = f"{region_code[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in taken:
            taken.add(first17)
            return first17 + pii.id_number_check_digit(first17)
