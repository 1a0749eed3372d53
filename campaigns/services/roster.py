"""The roster import's writes: each kind of roster's checked records, written by natural keys.

The kinds (campaigns/roster/kinds.py) check the rows of a file and prepare unsaved records, writing
nothing; the import job (import_jobs.py) calls roster_write for a file without problems, inside its one
transaction. Importing the same file again creates nothing new. Each writer returns (created, changed).
"""

from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db.models import F
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Region, Unit, User
from accounts.roles import Role

from ..models import Assignment, Household
from ..roster.kinds import AssignmentRoster, CadreRoster, HouseholdRoster, RegionRoster, RosterKind, UnitRoster


class WriteConflict(Exception):
    """The database changed between checking and writing; the message is for the user."""


def _write_regions(roster: RegionRoster, records: list[Region]) -> tuple[int, int]:
    for level in sorted({r.level for r in records}):  # parents before children
        for located in (True, False):  # a row without a point keeps the point the region has
            Region.objects.bulk_create(
                [r for r in records if r.level == level and (r.latitude is not None) == located],
                update_conflicts=True, unique_fields=["code"],
                update_fields=["name", "level", "parent", *(["latitude", "longitude"] if located else [])],
            )
    created = sum(1 for r in records if r.code not in roster.existing)
    return created, len(records) - created


def _write_units(roster: UnitRoster, records: list[Unit]) -> tuple[int, int]:
    Unit.objects.bulk_create(records, update_conflicts=True, unique_fields=["region", "name"], update_fields=["kind"])
    created = sum(1 for u in records if (u.region_id, u.name) not in roster.existing)
    return created, len(records) - created


def _write_cadres(roster: CadreRoster, records: list[User]) -> tuple[int, int]:
    new = [u for u in records if u.username not in roster.existing]
    for user in new:
        user.set_unusable_password()  # they get a password from the administrator,
        user.must_change_password = True  # and choose their own at the first login
    User.objects.bulk_create(new)
    changed = []
    for user in records:
        old = roster.existing.get(user.username)
        if old and (old.real_name, old.phone, old.unit_id) != (user.real_name, user.phone, user.unit_id):
            old.real_name, old.phone, old.unit_id = user.real_name, user.phone, user.unit_id
            changed.append(old)
    User.objects.bulk_update(changed, ["real_name", "phone", "unit"])  # no signals: the import's audit entry covers them
    for user in changed:
        audit.record(audit.Action.JURISDICTION, obj=user, summary=f"{user.username}: unit (roster import)", unit=user.unit_id)
    group = Group.objects.get(name=Role.CADRE.value)
    group.user_set.add(*User.objects.filter(username__in=[u.username for u in records]))
    return len(new), len(changed)


def _write_households(roster: HouseholdRoster, records: list[Household]) -> tuple[int, int]:
    Household.objects.bulk_create(
        records, batch_size=2000, update_conflicts=True, unique_fields=["village", "number"],
        update_fields=["head_name", "id_number_cipher", "id_number_hash", "phone", "members", "address"],
    )
    updated = [(h.village_id, h.number) for h in records if (h.village_id, h.number) in roster.existing]
    if updated:  # a phone's offline edit of one of these now meets a newer version: checked, not overwritten
        Household.objects.filter(village_id__in={v for v, _n in updated}, number__in={n for _v, n in updated}).update(version=F("version") + 1)
    return len(records) - len(updated), len(updated)


def _write_assignments(roster: AssignmentRoster, records: list[Assignment]) -> tuple[int, int]:
    # Lock the cadres and check again: someone may have assigned them since the rows were checked.
    cadre_ids = sorted({a.cadre_id for a in records})
    list(User.objects.select_for_update().filter(pk__in=cadre_ids).values_list("pk", flat=True))
    for assignment in records:
        clash = Assignment.objects.filter(cadre_id=assignment.cadre_id).overlapping(assignment.start_date, assignment.end_date).first()
        if clash:
            raise WriteConflict(_("%(name)s was assigned elsewhere while the file was being checked; upload it again.") % {"name": assignment.cadre.real_name})
    changed = [a for a in roster.role_changes]  # rows already imported whose role the file changes (found by the checks)
    leaders = {a.target_village_id for a in [*records, *changed] if a.role == Assignment.Role.LEADER}
    Assignment.objects.filter(target_village_id__in=leaders, role=Assignment.Role.LEADER).update(role=Assignment.Role.MEMBER)
    Assignment.objects.bulk_update(changed, ["role"])
    Assignment.objects.bulk_create(records)
    return len(records), len(changed)


WRITERS: dict[type[RosterKind], Callable[[RosterKind, list], tuple[int, int]]] = {
    RegionRoster: _write_regions,
    UnitRoster: _write_units,
    CadreRoster: _write_cadres,
    HouseholdRoster: _write_households,
    AssignmentRoster: _write_assignments,
}


def roster_write(roster: RosterKind, records: list) -> tuple[int, int]:
    """Write the records the roster checked and prepared; the caller holds the transaction. (created, changed)."""
    return WRITERS[type(roster)](roster, records)
