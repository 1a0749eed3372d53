"""The scale city's people: its accounts (supervisors of each level, a leader per county, a handler
per unit, one cadre for every 50 households) and its households, with encrypted ID numbers."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.models import Unit, User
from accounts.roles import Role
from campaigns.models import Household, HouseholdTag
from core import pii

from . import names
from .county import DEMO_PASSWORD
from .county_regions import COUNTY_UNITS
from .scale_base import CITY, HOUSEHOLDS_PER_CADRE, PREFIX, USER_PREFIX, BuilderBase, Login, as_json, copy_rows

TAGS = [HouseholdTag.POOR, HouseholdTag.ELDERLY_LEFT_BEHIND, HouseholdTag.CHILD_LEFT_BEHIND, HouseholdTag.DIBAO,
        HouseholdTag.BIG_PRODUCER, HouseholdTag.RESPECTED, HouseholdTag.LAND_TAKEN, HouseholdTag.OLD_PETITIONER]


class People(BuilderBase):
    """The phases users and households."""

    # Users

    def users(self) -> str:
        rng, password = self.rng, make_password(DEMO_PASSWORD)  # hashed once: every account shares it
        people: dict[Role, list[User]] = {role: [] for role in Role}

        def person(role: Role, username: str, unit: Unit, jurisdiction: str | None = None) -> None:
            people[role].append(User(username=USER_PREFIX + username, real_name=names.person_name(rng), phone=names.phone(rng),
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
            unit = self.township_unit(village.code) if rng.random() < 0.3 else self.county_unit(village.county, rng.choice(COUNTY_UNITS))
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
                    head, phone = names.person_name(rng), names.phone(rng) if rng.random() < 0.85 else ""
                    village.households.append((0, head, phone))
                    id_number = names.id_number(rng, village.code, taken)
                    tags = rng.sample(TAGS, 1) if rng.random() < 0.3 else []
                    yield (village.code, f"{n:04d}", head, pii.encrypt(id_number), pii.lookup_hash(id_number),
                           f"{village.name}{(n - 1) // 20 + 1}组{n}号", phone, rng.randint(1, 7), as_json(tags), created, created)

        count = copy_rows(Household, ["village", "number", "head_name", "id_number_cipher", "id_number_hash", "address", "phone", "members",
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
