"""The demo county's households: `per_village` in each village, with a head, address, phone and an
encrypted ID number."""

import random

from accounts.models import Region
from campaigns.models import PHONE_EDITABLE_FIELDS, Household
from campaigns.services import household_save
from core import pii

from .names import id_number, person_name, phone


def build_households(rng: random.Random, villages: list[Region], per_village: int) -> None:
    # Encryption is randomised: keep the stored token when the number is unchanged, so a re-run changes nothing.
    stored = {(v, n): (h, c) for v, n, h, c in Household.objects.values_list("village_id", "number", "id_number_hash", "id_number_cipher")}
    rows, taken = [], set()
    group = max(10, per_village // 10)  # households of a 村民小组: 10 in the small demo, ~60 in a real village
    for village in villages:
        for n in range(1, per_village + 1):
            household = Household(
                village_id=village.code,
                number=f"{n:04d}",
                head_name=person_name(rng),
                address=f"{village.name}{(n - 1) // group + 1}组{n}号",
                phone=phone(rng) if rng.random() < 0.85 else "",
                members=rng.randint(1, 7),
            )
            number = id_number(rng, village.code, taken)
            old_hash, old_cipher = stored.get((village.code, household.number), ("", ""))
            if old_hash == pii.lookup_hash(number):
                household.id_number_hash, household.id_number_cipher = old_hash, old_cipher
            else:
                household.set_id_number(number)
            rows.append(household)
    Household.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["village", "number"],
        update_fields=["head_name", "address", "phone", "members", "id_number_hash", "id_number_cipher"],
    )


# Two households whose 四个清楚 the demo cadre brought up to date, so their pages show a profile history.
HISTORY = [
    {"family_situation": "五口人，儿子儿媳在外务工，两个孙子留守", "state_of_mind": "盼着孙子上学的事有着落"},
    {"help_needed": "申请产业奖补，想扩大养鸡规模", "hardship_cause": "去年鸡瘟损失较大"},
]


def build_household_history(cadre) -> None:
    """The edits go through the service (campaigns.services.household_save), as the cadre's phone sends them; once."""
    homes = list(Household.objects.filter(village__in=cadre.assignments.values("target_village__village")).order_by("village_id", "number")[:2])
    if not homes or any(home.history.exists() for home in homes):
        return
    for home, changes in zip(homes, HISTORY, strict=False):
        for field, value in changes.items():  # one edit a field: two entries in its history
            home = household_save(actor=cadre, village_code=home.village_id, household_id=home.pk, base_version=home.version,
                                  data={**{name: getattr(home, name) for name in PHONE_EDITABLE_FIELDS}, field: value})
