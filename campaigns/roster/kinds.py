"""The kinds of roster: each one's columns, its header and row checks, and the unsaved records it prepares.

A kind checks every row first (`check`), collecting problems with the row number and column as the user
sees them. It writes nothing: services/roster.py writes a file without problems, in one transaction, by
natural keys so that importing the same file again creates nothing new."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import regions as codes
from accounts.models import Region, Unit, User, phone_validator
from accounts.roles import Role
from accounts.scoping import within_jurisdiction
from core import pii

from ..models import Assignment, Household, ImportJob, TargetVillage
from ..rules import describe_clash

MAX_PROBLEMS = 500


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str


class Problems(list):
    def add(self, row: int, column: str, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append({"row": row, "column": column, "message": str(message)})


def _is_phone(value: str) -> bool:
    return phone_validator.regex.match(value) is not None


class RosterKind:
    columns: list[Column] = []

    def __init__(self, job: ImportJob):
        self.actor = job.uploaded_by
        self.campaign = job.campaign
        self.problems = Problems()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def header_problem(self, header: list[str]) -> str | None:
        missing = [c.header for c in self.columns if c.required and c.header not in header]
        unknown = [h for h in header if h not in self.headers]
        if not (missing or unknown):
            return None
        parts = []
        if missing:
            parts.append(_("missing %(columns)s") % {"columns": "、".join(f"「{h}」" for h in missing)})
        if unknown:
            parts.append(_("unknown %(columns)s") % {"columns": "、".join(f"「{h}」" for h in unknown)})
        return _("The header row does not match the template: %(parts)s. Download the template and copy your data into it.") % {"parts": "；".join(parts)}

    def rows_as_dicts(self, header: list[str], rows):
        index = {h: i for i, h in enumerate(header)}
        for number, values in rows:
            yield number, {c.key: (values[index[c.header]] if c.header in index and index[c.header] < len(values) else "") for c in self.columns}

    def label(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)

    def require(self, number: int, row: dict) -> bool:
        ok = True
        for column in self.columns:
            if column.required and not row[column.key]:
                self.problems.add(number, column.header, _("This column must not be empty."))
                ok = False
        return ok

    def prepare(self, rows: list[tuple[int, dict]]) -> None:
        """Load what the checks look up, in a few queries for the whole file."""

    def check(self, number: int, row: dict):
        raise NotImplementedError


class RegionRoster(RosterKind):
    columns = [
        Column("code", "区划代码", True, "12 位统计用区划代码，如 431299100201"),
        Column("name", "名称", True, "如 大坪村"),
        Column("latitude", "纬度", False, "村的参照点（村委会），如 28.123456；与经度同填或同空，空则保留已有位置"),
        Column("longitude", "经度", False, "如 112.987654"),
    ]

    def prepare(self, rows):
        file_codes = [row["code"] for _n, row in rows]
        self.seen: set[str] = set()
        self.in_file = set(file_codes)
        wanted = {a for code in file_codes if codes.is_valid_code(code) for a in codes.ancestor_codes(code)} | self.in_file
        self.existing = set(Region.objects.filter(code__in=wanted).values_list("code", flat=True))

    def check(self, number, row):
        if not self.require(number, row):
            return None
        code = row["code"]
        if not codes.is_valid_code(code):
            self.problems.add(number, self.label("code"), _("「%(code)s」 is not a 12-digit division code.") % {"code": code})
            return None
        if code in self.seen:
            self.problems.add(number, self.label("code"), _("%(code)s appears more than once in the file.") % {"code": code})
            return None
        self.seen.add(code)
        if not within_jurisdiction(self.actor, code):
            self.problems.add(number, self.label("code"), _("%(code)s is outside your jurisdiction.") % {"code": code})
            return None
        parents = codes.ancestor_codes(code)
        if parents and parents[-1] not in self.existing and parents[-1] not in self.in_file:
            self.problems.add(number, self.label("code"), _("Its parent region %(parent)s neither exists nor is in the file.") % {"parent": parents[-1]})
            return None
        level = codes.level_of(code)
        point = self._point(number, row)
        if point is False:
            return None
        latitude, longitude = point or (None, None)
        return Region(code=code, name=row["name"][:100], level=level, parent_id=parents[-1] if parents else None,
                      latitude=latitude, longitude=longitude)

    def _point(self, number: int, row: dict):
        """The reference point, None when both cells are empty, False (and a problem) when it is not a place on earth."""
        if not (row["latitude"] or row["longitude"]):
            return None
        try:
            point = Decimal(row["latitude"]).quantize(Decimal("0.000001")), Decimal(row["longitude"]).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            point = None
        if point is None or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            self.problems.add(number, self.label("latitude"), _("Latitude and longitude go together, in degrees, such as 28.123456 and 112.987654."))
            return False
        return point


UNIT_KINDS = {str(label): value for value, label in Unit.Kind.choices}


class UnitRoster(RosterKind):
    columns = [
        Column("name", "单位名称", True, "如 县农业农村局"),
        Column("region", "所在区划代码", True, "单位所在区划的 12 位代码，如 431299000000"),
        Column("kind", "类型", False, "、".join(UNIT_KINDS) + "，留空为政府部门"),
    ]

    def prepare(self, rows):
        self.regions = set(Region.objects.filter(code__in={row["region"] for _n, row in rows}).values_list("code", flat=True))
        self.existing = set(Unit.objects.filter(region__in=self.regions).values_list("region_id", "name"))
        self.seen: set[tuple[str, str]] = set()

    def check(self, number, row):
        if not self.require(number, row):
            return None
        region = row["region"]
        if region not in self.regions:
            self.problems.add(number, self.label("region"), _("No region has the code 「%(code)s」.") % {"code": region})
            return None
        if not within_jurisdiction(self.actor, region):
            self.problems.add(number, self.label("region"), _("%(code)s is outside your jurisdiction.") % {"code": region})
            return None
        kind = UNIT_KINDS.get(row["kind"], None) if row["kind"] else Unit.Kind.GOVERNMENT
        if kind is None:
            self.problems.add(number, self.label("kind"), _("Use one of: %(kinds)s.") % {"kinds": "、".join(UNIT_KINDS)})
            return None
        key = (region, row["name"])
        if key in self.seen:
            self.problems.add(number, self.label("name"), _("This unit appears more than once in the file."))
            return None
        self.seen.add(key)
        return Unit(name=row["name"][:100], region_id=region, kind=kind)


class UnitLookup:
    """Finds a unit of the actor's jurisdiction by name, and by region code when the name is not unique."""

    def __init__(self, actor, names):
        self.by_name: dict[str, list[Unit]] = {}
        for unit in Unit.objects.visible_to(actor).filter(name__in=names):
            self.by_name.setdefault(unit.name, []).append(unit)

    def find(self, name: str, region: str) -> tuple[Unit | None, str | None]:
        units = [u for u in self.by_name.get(name, []) if not region or u.region_id == region]
        if not units:
            return None, _("No unit named 「%(name)s」 in your jurisdiction.") % {"name": name}
        if len(units) > 1:
            return None, _("Several units are named 「%(name)s」: fill in the unit's region code.") % {"name": name}
        return units[0], None


class CadreRoster(RosterKind):
    columns = [
        Column("real_name", "姓名", True, "如 李建国"),
        Column("phone", "手机号", True, "11 位手机号"),
        Column("unit", "单位名称", True, "派出单位，须已存在于系统中"),
        Column("unit_region", "单位区划代码", False, "单位名称在辖区内重名时填写"),
        Column("username", "用户名", False, "登录名，留空则用手机号"),
    ]

    def prepare(self, rows):
        self.units = UnitLookup(self.actor, {row["unit"] for _n, row in rows})
        usernames = {row["username"] or row["phone"] for _n, row in rows}
        self.existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        # Only cadres of the jurisdiction may be updated by a roster, never staff with other roles.
        self.updatable = set(
            User.objects.visible_to(self.actor).filter(username__in=usernames, groups__name=Role.CADRE.value, is_staff=False, is_superuser=False)
            .exclude(groups__name__in=[r.value for r in Role if r != Role.CADRE]).values_list("username", flat=True)
        )
        self.seen: set[str] = set()

    def check(self, number, row):
        if not self.require(number, row):
            return None
        if not _is_phone(row["phone"]):
            self.problems.add(number, self.label("phone"), _("「%(value)s」 is not an 11-digit mobile number.") % {"value": row["phone"]})
            return None
        unit, problem = self.units.find(row["unit"], row["unit_region"])
        if problem:
            self.problems.add(number, self.label("unit"), problem)
            return None
        username = row["username"] or row["phone"]
        if username in self.seen:
            self.problems.add(number, self.label("username"), _("%(name)s appears more than once in the file.") % {"name": username})
            return None
        self.seen.add(username)
        if username in self.existing and username not in self.updatable:
            self.problems.add(number, self.label("username"), _("The username %(name)s belongs to an account that is not a cadre of your jurisdiction.") % {"name": username})
            return None
        return User(username=username[:150], real_name=row["real_name"][:50], phone=row["phone"], unit=unit)


class HouseholdRoster(RosterKind):
    columns = [
        Column("village", "村代码", True, "户所在村（社区）的 12 位区划代码"),
        Column("number", "户编号", True, "村内唯一，如 0001"),
        Column("head_name", "户主姓名", True, "如 王建国"),
        Column("id_number", "身份证号", False, "18 位居民身份证号，加密保存"),
        Column("phone", "联系电话", False, "11 位手机号"),
        Column("members", "家庭人口", False, "1–50，留空为 1"),
        Column("address", "住址", False, "如 大坪村3组12号"),
    ]

    def prepare(self, rows):
        villages = {row["village"] for _n, row in rows}
        self.villages = set(Region.objects.visible_to(self.actor).villages().filter(code__in=villages).values_list("code", flat=True))
        self.existing = {
            (v, n): (h, c)
            for v, n, h, c in Household.objects.filter(village_id__in=self.villages).values_list("village_id", "number", "id_number_hash", "id_number_cipher")
        }
        self.hashes_in_file: dict[str, int] = {}
        self.keys_in_file: set[tuple[str, str]] = set()
        wanted = {pii.lookup_hash(row["id_number"]) for _n, row in rows if row["id_number"]}
        # Duplicates are looked for within the uploader's jurisdiction only: an answer about a number registered
        # elsewhere would tell them that a real person has it (#15). Such a household is imported as its own,
        # and an administrator of both villages merges the two.
        self.hash_owner: dict[str, tuple[str, str]] = {}
        wanted_list = list(wanted)
        in_scope = Household.objects.visible_to(self.actor)
        for start in range(0, len(wanted_list), 5000):
            chunk = wanted_list[start:start + 5000]
            for h, v, n in in_scope.filter(id_number_hash__in=chunk).values_list("id_number_hash", "village_id", "number"):
                self.hash_owner[h] = (v, n)

    def check(self, number, row):
        if not self.require(number, row):
            return None
        village = row["village"]
        if village not in self.villages:
            self.problems.add(number, self.label("village"), _("「%(code)s」 is not a village code of your jurisdiction.") % {"code": village})
            return None
        key = (village, row["number"])
        if key in self.keys_in_file:
            self.problems.add(number, self.label("number"), _("Household %(number)s of this village appears more than once.") % {"number": row["number"]})
            return None
        self.keys_in_file.add(key)
        household = Household(village_id=village, number=row["number"][:20], head_name=row["head_name"][:50], address=row["address"][:200])
        if row["phone"]:
            if not _is_phone(row["phone"]):
                self.problems.add(number, self.label("phone"), _("「%(value)s」 is not an 11-digit mobile number.") % {"value": row["phone"]})
                return None
            household.phone = row["phone"]
        try:
            household.members = int(row["members"] or 1)
            if not 1 <= household.members <= 50:
                raise ValueError
        except ValueError:
            self.problems.add(number, self.label("members"), _("Household size must be a whole number from 1 to 50."))
            return None
        if row["id_number"]:
            id_number = pii.normalise_id_number(row["id_number"])
            if not pii.is_valid_id_number(id_number):
                self.problems.add(number, self.label("id_number"), _("Not a valid 18-digit ID number (check the last digit)."))
                return None
            digest = pii.lookup_hash(id_number)
            if digest in self.hashes_in_file:
                self.problems.add(number, self.label("id_number"), _("The same ID number is on row %(row)s.") % {"row": self.hashes_in_file[digest]})
                return None
            self.hashes_in_file[digest] = number
            owner = self.hash_owner.get(digest)
            if owner and owner != key:
                self.problems.add(number, self.label("id_number"), _(
                    "This ID number is already registered for household %(number)s of village %(village)s."
                ) % {"number": owner[1], "village": owner[0]})
                return None
            old = self.existing.get(key)
            household.id_number_hash = digest
            # The same number keeps its old ciphertext, so a re-import changes nothing.
            household.id_number_cipher = old[1] if old and old[0] == digest else pii.encrypt(id_number)
        elif key in self.existing:
            # An empty cell (or a file without the column) leaves the stored number as it was.
            household.id_number_hash, household.id_number_cipher = self.existing[key]
        return household


ROLES = {"组长": Assignment.Role.LEADER, "组员": Assignment.Role.MEMBER, "": Assignment.Role.MEMBER}


class AssignmentRoster(RosterKind):
    columns = [
        Column("village", "村代码", True, "本活动驻村点的 12 位区划代码"),
        Column("cadre", "用户名或手机号", True, "须为辖区内的下派干部"),
        Column("role", "角色", False, "组长 或 组员，留空为组员"),
        Column("start_date", "开始日期", False, "如 2026-11-20，留空为活动开始日期"),
        Column("end_date", "结束日期", False, "如 2026-11-27，留空为活动结束日期"),
    ]

    def prepare(self, rows):
        self.targets = {t.village_id: t for t in TargetVillage.objects.filter(campaign=self.campaign).select_related("village")}
        names = {row["cadre"] for _n, row in rows}
        cadres = User.objects.visible_to(self.actor).filter(is_active=True, groups__name=Role.CADRE.value).filter(Q(username__in=names) | Q(phone__in=names))
        self.cadres = {}
        for cadre in cadres:
            self.cadres[cadre.username] = cadre
            if cadre.phone:
                self.cadres.setdefault(cadre.phone, cadre)
        self.booked: dict[int, list[Assignment]] = {}
        for a in Assignment.objects.filter(cadre__in=cadres).select_related("target_village__village", "target_village__campaign"):
            self.booked.setdefault(a.cadre_id, []).append(a)
        self.file_rows: dict[int, list[tuple[datetime.date, datetime.date, int]]] = {}
        self.leader_rows: dict[int, int] = {}
        self.role_changes: list[Assignment] = []

    def _date(self, number, row, key, default):
        if not row[key]:
            return default
        try:
            return datetime.date.fromisoformat(row[key][:10])
        except ValueError:
            self.problems.add(number, self.label(key), _("「%(value)s」 is not a date like 2026-11-20.") % {"value": row[key]})
            return None

    def check(self, number, row):
        if not self.require(number, row):
            return None
        target = self.targets.get(row["village"])
        if target is None:
            self.problems.add(number, self.label("village"), _("「%(code)s」 is not a target village of this campaign.") % {"code": row["village"]})
            return None
        cadre = self.cadres.get(row["cadre"])
        if cadre is None:
            self.problems.add(number, self.label("cadre"), _("「%(name)s」 is not a cadre of your jurisdiction.") % {"name": row["cadre"]})
            return None
        if row["role"] not in ROLES:
            self.problems.add(number, self.label("role"), _("Use 组长 or 组员."))
            return None
        start = self._date(number, row, "start_date", self.campaign.start_date)
        end = self._date(number, row, "end_date", self.campaign.end_date)
        if start is None or end is None:
            return None
        if end < start or start < self.campaign.start_date or end > self.campaign.end_date:
            self.problems.add(number, self.label("end_date"), _("The dates must run forward and fall within the campaign's dates."))
            return None
        for other in self.booked.get(cadre.pk, []):
            same = other.target_village_id == target.pk and (other.start_date, other.end_date) == (start, end)
            if same:
                if other.role != ROLES[row["role"]]:
                    other.role = ROLES[row["role"]]
                    self.role_changes.append(other)
                return None  # already imported
            if other.start_date <= end and other.end_date >= start:
                self.problems.add(number, self.label("cadre"), describe_clash(cadre, other))
                return None
        for other_start, other_end, other_row in self.file_rows.get(cadre.pk, []):
            if other_start <= end and other_end >= start:
                self.problems.add(number, self.label("cadre"), _("%(name)s is also on row %(row)s for overlapping days.") % {"name": cadre.real_name, "row": other_row})
                return None
        self.file_rows.setdefault(cadre.pk, []).append((start, end, number))
        if ROLES[row["role"]] == Assignment.Role.LEADER:
            if target.pk in self.leader_rows:
                self.problems.add(number, self.label("role"), _("Row %(row)s already names this village's team leader.") % {"row": self.leader_rows[target.pk]})
                return None
            self.leader_rows[target.pk] = number
        return Assignment(target_village=target, cadre=cadre, role=ROLES[row["role"]], start_date=start, end_date=end)


KINDS: dict[str, type[RosterKind]] = {
    ImportJob.Kind.REGIONS: RegionRoster,
    ImportJob.Kind.UNITS: UnitRoster,
    ImportJob.Kind.CADRES: CadreRoster,
    ImportJob.Kind.HOUSEHOLDS: HouseholdRoster,
    ImportJob.Kind.ASSIGNMENTS: AssignmentRoster,
}

KIND_DESCRIPTIONS = {
    ImportJob.Kind.REGIONS: gettext_lazy("Administrative divisions by their 12-digit codes; parents before or beside children."),
    ImportJob.Kind.UNITS: gettext_lazy("Party and government bodies and the region they sit in."),
    ImportJob.Kind.CADRES: gettext_lazy("Cadres with their phone and sending unit; they get accounts without a password."),
    ImportJob.Kind.HOUSEHOLDS: gettext_lazy("Households of villages; ID numbers are encrypted and checked for duplicates."),
    ImportJob.Kind.ASSIGNMENTS: gettext_lazy("Which cadre goes to which target village of a campaign, and when."),
}
