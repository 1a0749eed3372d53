"""The zh-hans catalogue is complete and compiled: no English leaks into the UI."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_entry_is_translated():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if not e.obsolete}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if e.msgid}
    assert compiled == source, "run `make messages`"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    # Extract afresh from a copy of the sources and compare with the committed catalogue.
    for name in ["core", "accounts", "campaigns", "grievances", "dashboards", "demo", "outreach", "templates", "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    extracted = {e.msgid for e in polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")) if e.msgid}
    committed = {e.msgid for e in polib.pofile(str(PO)) if e.msgid and not e.obsolete}
    assert extracted - committed == set(), "new strings: run `make messages` and translate them"
    assert committed - extracted == set(), "strings no longer used: run `make messages`"
