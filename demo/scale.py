"""A city-scale dataset for benchmarks: `manage.py seed_scale`.

A fictional city under province 43 (division code 4398…, clear of the demo county 431299 and
the benchmark county 439999) with about 170 households a village, 20 villages a township and
10 townships a county; county bureaus and township governments; one cadre for every 50
households, all posted for a year-long active campaign; visits, check-ins and residents'
ratings over that year; petition and dispute cases in every state. It reuses the demo's
shapes (demo/county_regions.py, names.py, phrases.py) and is deterministic: the same sizes and seed
give the same rows on the same day.

The big tables are written with PostgreSQL COPY, so a million visits take a few minutes on
two cores. Everything it builds is found again by three marks, which `purge` deletes with
whatever refers to it: regions under PREFIX, usernames starting USER_PREFIX, case numbers
starting CASE_PREFIX.

Here: `build`, which runs the phases in order (the random sequence depends on it), `purge` and
`settle`. The phases: scale_places (regions and units), scale_people (users, households),
scale_fieldwork (campaign, visits, check-ins, ratings), scale_cases; what they share, in scale_base.
"""

import graphlib
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import pgtrigger
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Region, Unit, User
from campaigns import rollups
from campaigns.models import (
    Assignment,
    CheckIn,
    Evaluation,
    Household,
    TargetVillage,
    VillageCoverage,
    VillageDay,
    Visit,
)
from grievances.models import Case, CaseEvent, MediationSession

from .scale_base import CASE_PREFIX, CITY, HOUSEHOLDS_PER_VILLAGE, PREFIX, USER_PREFIX, Login, Sizes
from .scale_cases import CaseWork
from .scale_fieldwork import FieldWork
from .scale_people import People
from .scale_places import Geography, TooLarge

__all__ = [
    "CASE_PREFIX", "CITY", "HOUSEHOLDS_PER_VILLAGE", "PREFIX", "ROLLUP_TABLES", "USER_PREFIX", "Login", "Report", "ScaleDataExists",
    "Sizes", "TooLarge", "build", "exists", "purge", "settle",
]


@dataclass
class Report:
    """What was built: timed phases, row counts and the benchmark logins."""

    phases: list[tuple[str, float, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)


# The tables seed_scale writes, and the rollups derived from them.
RAW_TABLES = [Region, Unit, User, Household, TargetVillage, Assignment, Visit, CheckIn, Evaluation, Case, Case.handlers.through,
              CaseEvent, MediationSession]
ROLLUP_TABLES = [VillageDay, VillageCoverage]


class ScaleDataExists(Exception):
    pass




def exists() -> bool:
    """Whether a scale city (or any of its users or cases) is in the database."""
    return (
        Region.objects.filter(code__startswith=PREFIX).exists()
        or User.objects.filter(username__startswith=USER_PREFIX).exists()
        or Case.objects.filter(number__startswith=CASE_PREFIX).exists()
    )


def build(sizes: Sizes, *, reset: bool = False, log: Callable[[str], None] = print) -> Report:
    """Build the scale city, then its rollups; with `reset`, delete the previous one first (in a transaction
    of its own), else refuse if there is one. Logs each phase with its time as it ends."""
    report = Report()

    def record(name: str, started: float, what: str) -> None:
        elapsed = time.perf_counter() - started
        report.phases.append((name, elapsed, what))
        log(f"  {name:<22} {elapsed:7.1f} s  {what}")

    def phase(name: str, run: Callable[[], str | None]) -> None:
        started = time.perf_counter()
        record(name, started, run() or "")

    today, now = timezone.localdate(), timezone.now()
    builder = _Builder(sizes, today, now)
    if exists():
        if not reset:
            raise ScaleDataExists()
        # A transaction of its own, so the time shown includes the foreign-key checks run at commit.
        phase("reset", transaction.atomic(purge))
    with transaction.atomic():
        phase("regions and units", builder.geography)
        phase("users", builder.users)
        phase("households", builder.households)
        phase("campaign and teams", builder.campaign)
        phase("visits", builder.visits)
        phase("check-ins", builder.check_ins)
        phase("evaluations", builder.evaluations)
        phase("cases", builder.cases)
        committing = time.perf_counter()
    record("commit", committing, "the deferred foreign-key checks of every row")
    # Statistics first: planned blind, the rollup refresh over a million fresh visits takes minutes, not seconds.
    phase("analyze", lambda: settle(RAW_TABLES))
    phase("rollups", lambda: f"{rollups.refresh(full=True).village_days:,} village days")
    phase("analyze rollups", lambda: settle(ROLLUP_TABLES))
    report.counts = builder.counts
    report.logins = builder.logins
    return report


def purge() -> str:
    """Delete the scale city's regions, users and cases, and every row that refers to them, however
    indirectly (units, households, the campaign, visits, rollups, reminders, the audit trail of their
    logins…), in a few statements.

    The rows to go are collected table by table, parents first, into temporary tables; then they
    are deleted children first, so no foreign key is left dangling.
    """
    roots = {
        Region: ("code LIKE %s", [PREFIX + "%"]),
        User: ("username LIKE %s", [USER_PREFIX.replace("_", r"\_") + "%"]),
        Case: ("number LIKE %s", [CASE_PREFIX + "%"]),
    }
    models = apps.get_models(include_auto_created=True)
    parents = {
        model: [(f, f.related_model) for f in model._meta.concrete_fields if f.many_to_one and f.related_model is not model]
        for model in models
    }
    # Tables with rows to delete: the roots, and whatever has a foreign key to such a table.
    touched = set(roots)
    while True:
        more = {m for m in models if m not in touched and any(p in touched for _f, p in parents[m])}
        if not more:
            break
        touched |= more
    order = list(graphlib.TopologicalSorter({m: {p for _f, p in parents[m] if p in touched} for m in touched}).static_order())
    quote = connection.ops.quote_name
    doomed = {model: f"scale_doomed_{n}" for n, model in enumerate(order)}
    deleted = 0
    with connection.cursor() as cursor:
        for model in order:
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            selects, params = [], []
            if model in roots:
                condition, values = roots[model]
                selects.append(f"SELECT {pk} AS pk FROM {table} WHERE {condition}")  # nosec B608 - identifiers from model meta, quoted; values as parameters
                params += values
            for fk, parent in parents[model]:
                if parent in touched:
                    selects.append(f"SELECT t.{pk} AS pk FROM {table} t JOIN {doomed[parent]} d ON t.{quote(fk.column)} = d.pk")  # nosec B608 - identifiers from model meta, quoted; values as parameters
            cursor.execute(f"CREATE TEMP TABLE {doomed[model]} ON COMMIT DROP AS {' UNION '.join(selects)}", params)
            cursor.execute(f"ANALYZE {doomed[model]}")
        # Append-only tables (the audit trail of the scale accounts' logins) let these deletes through, as
        # they do for their retention job: the lines are about fictional people.
        protected = [f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registered() if model in touched]
        with pgtrigger.ignore(*protected) if protected else nullcontext():
            for model in reversed(order):
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                cursor.execute(f"DELETE FROM {table} WHERE {pk} IN (SELECT pk FROM {doomed[model]})")  # nosec B608 - identifiers from model meta, quoted
                deleted += cursor.rowcount
        cursor.execute(f"DROP TABLE {', '.join(doomed.values())}")
    return f"{deleted:,} rows deleted"


def settle(models: list) -> str:
    """Bring the planner's statistics of these tables up to date, as autovacuum would after a while;
    VACUUM too when not inside a transaction, so index-only scans work as on a settled database."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return f"{command} of {len(models)} tables"



class _Builder(Geography, People, FieldWork, CaseWork):
    """Builds the phases in order; each phase reads what the earlier ones left on the builder."""
