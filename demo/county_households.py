"""The demo county's households: `per_village` in each village, with a head, address, phone and an
encrypted ID number."""

import random

from accounts.models import Region
from campaigns.models import Household
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
