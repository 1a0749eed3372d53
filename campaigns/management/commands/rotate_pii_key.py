from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Household
from core import pii

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ID number under the first key of PII_ENCRYPTION_KEYS. Rotation: put a new key "
        "first (keep the old ones after it), run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        done, last = 0, 0
        while True:
            with transaction.atomic():
                batch = list(
                    Household.objects.select_for_update().exclude(id_number_cipher="").filter(pk__gt=last).order_by("pk")[:BATCH]
                )
                if not batch:
                    break
                for household in batch:
                    household.id_number_cipher = pii.rotate(household.id_number_cipher)
                Household.objects.bulk_update(batch, ["id_number_cipher"])
            done, last = done + len(batch), batch[-1].pk
        self.stdout.write(self.style.SUCCESS(_("%(count)d ID numbers re-encrypted under the first key.") % {"count": done}))
