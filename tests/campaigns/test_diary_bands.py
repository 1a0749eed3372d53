"""core/minhash.py: the band hashes through which the copied-diary rule finds near copies (#19)."""

import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from core import minhash

DIARY = "与户主拉家常，了解到今年柑橘丰收但销路不畅，村里的冷库还没有建好，希望联系电商平台帮助销售。"


def test_a_near_copy_shares_a_band_and_a_different_diary_of_the_same_opening_does_not():
    copy = DIARY.replace("今年", "今年的").replace("。", "！")
    other = "与户主拉家常，了解到孩子每天走八里山路上学，家里想申请寄宿，已记入民情台账。"
    bands = set(minhash.bands_of(DIARY))
    assert len(bands) == minhash.BANDS
    assert bands & set(minhash.bands_of(copy))
    assert not bands & set(minhash.bands_of(other))
    assert minhash.bands_of("好的") == [] and minhash.bands_of_many(["", DIARY]) == [[], minhash.bands_of(DIARY)]


def test_bands_are_the_same_in_another_process():
    """Stored bands are compared with ones computed later, in a worker: no per-process hash seed may enter."""
    script = f"from core import minhash; print(minhash.bands_of({DIARY!r}))"
    printed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).parents[2], env={"PYTHONHASHSEED": "random"}).stdout
    assert printed.strip() == str(minhash.bands_of(DIARY))


@pytest.mark.django_db
def test_the_migration_fills_in_the_bands_of_visits_written_before_it(field):
    from campaigns.models import Visit

    Visit.objects.update(diary_bands=[])
    fill_bands = import_module("campaigns.migrations.0012_diary_band_hashes").fill_bands
    with connection.schema_editor(atomic=False) as editor:
        fill_bands(apps, editor)
    visits = list(Visit.objects.all())
    assert visits and all(v.diary_bands == minhash.bands_of(v.diary) for v in visits)
