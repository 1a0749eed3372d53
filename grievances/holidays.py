"""Entering the State Council's holiday schedule (节假日安排) into the holiday calendar, and what follows.

The calendar starts with the years the chinese-calendar package knows (a migration seeds them). Each
later year is entered by a system administrator when the State Council publishes it — typed in the
admin or imported from a small .xlsx/.csv (日期, 类型 放假/上班, 名称). Every change recomputes the
remit-objection limits it can move: those counted Monday to Friday while the year was missing, and
those of cases still waiting for acceptance whose window holds a changed day. Each limit that moves, or
stops being provisional, is a timeline event on its case.
"""

import csv
import datetime
import io
from dataclasses import dataclass

import chinese_calendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import decode_csv_text

from .deadlines import WorkingCalendar
from .models import CalendarDay, Case, CaseEvent
from .services import record_event

PACKAGE_SOURCE = f"chinese-calendar {getattr(chinese_calendar, '__version__', '1.11.0')}"
CHINESE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
KIND_WORDS = {"放假": CalendarDay.Kind.HOLIDAY, "休息": CalendarDay.Kind.HOLIDAY, "holiday": CalendarDay.Kind.HOLIDAY,
              "上班": CalendarDay.Kind.WORKDAY, "调休上班": CalendarDay.Kind.WORKDAY, "workday": CalendarDay.Kind.WORKDAY}
MAX_IMPORT_ROWS = 400  # a year's schedule has about 40 rows


def package_days() -> list[tuple[datetime.date, str, str]]:
    """(day, kind, Chinese name) for every exception the chinese-calendar package knows."""
    rows = []
    for table, kind in ((chinese_calendar.holidays, CalendarDay.Kind.HOLIDAY), (chinese_calendar.workdays, CalendarDay.Kind.WORKDAY)):
        for day, name in table.items():
            rows.append((day, kind.value, CHINESE_NAMES.get(name, name)))
    return rows


def seed_from_package(calendar_day_model=CalendarDay) -> int:
    """Add the package's years; never changes a day already entered. Safe to run twice (migrations, tests)."""
    rows = [calendar_day_model(day=day, kind=kind, name=name, source=PACKAGE_SOURCE) for day, kind, name in package_days()]
    return len(calendar_day_model.objects.bulk_create(rows, ignore_conflicts=True))


@dataclass(frozen=True)
class ScheduleRow:
    day: datetime.date
    kind: str
    name: str


def parse_schedule(upload) -> list[ScheduleRow]:
    """Rows of an uploaded .xlsx or .csv (UTF-8 or GBK): 日期 | 类型 (放假/上班) | 名称, a header row first.
    Every bad row is reported at once with its line number, in Chinese."""
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(upload, read_only=True, data_only=True).active
        except Exception as error:  # noqa: BLE001 - any unreadable workbook is the user's file, said in Chinese
            raise ValidationError(_("The file could not be read as an Excel workbook.")) from error
        lines = [list(row) for row in sheet.iter_rows(max_row=MAX_IMPORT_ROWS + 2, values_only=True)]
    elif name.endswith(".csv"):
        text = decode_csv_text(upload.read(200_000))
        if text is None:
            raise ValidationError(_("The file is neither UTF-8 nor GBK text."))
        lines = list(csv.reader(io.StringIO(text)))
    else:
        raise ValidationError(_("Upload the schedule as .xlsx or .csv."))
    lines = [line for line in lines[1:] if any(str(cell or "").strip() for cell in line)]
    if len(lines) > MAX_IMPORT_ROWS:
        raise ValidationError(_("A holiday schedule has at most %(n)s rows.") % {"n": MAX_IMPORT_ROWS})
    rows, problems = [], []
    for number, line in enumerate(lines, start=2):
        cells = [*line, "", "", ""][:3]
        day, kind, label = cells[0], str(cells[1] or "").strip(), str(cells[2] or "").strip()
        if isinstance(day, datetime.datetime):
            day = day.date()
        elif not isinstance(day, datetime.date):
            try:
                day = datetime.date.fromisoformat(str(day or "").strip().replace("/", "-"))
            except ValueError:
                problems.append(_("Row %(row)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"row": number, "value": day or ""})
                continue
        if kind not in KIND_WORDS:
            problems.append(_("Row %(row)s: the kind must be 放假 or 上班.") % {"row": number})
            continue
        if not label:
            problems.append(_("Row %(row)s: name the holiday (e.g. 春节).") % {"row": number})
            continue
        rows.append(ScheduleRow(day, KIND_WORDS[kind], label[:50]))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(_("The file has no rows under its header."))
    if len({row.day for row in rows}) != len(rows):
        raise ValidationError(_("A date appears twice in the file."))
    return rows


def _ensure_system_admin(actor) -> None:
    if not actor.is_superuser:
        raise PermissionDenied(_("Only system administrators change the holiday calendar."))


@transaction.atomic
def schedule_import(*, actor, rows: list[ScheduleRow], source: str, now=None) -> dict:
    """Replace the years in `rows` by these rows (the notice is the whole schedule of its years), then
    recompute the limits they move. Returns {"years": [...], "days": n, "recomputed": n}."""
    _ensure_system_admin(actor)
    if not source.strip():
        raise ValidationError(_("Name the notice the schedule comes from."))
    now = now or timezone.now()
    years = sorted({row.day.year for row in rows})
    replaced = CalendarDay.objects.filter(day__year__in=years)
    changed = sorted([*replaced.values_list("day", flat=True), *(row.day for row in rows)])  # days removed count too
    replaced.delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(day=row.day, kind=row.kind, name=row.name, source=source.strip()[:200], entered_by=actor, entered_at=now) for row in rows
    )
    recomputed = limits_recompute(actor=actor, changed_from=changed[0], changed_to=changed[-1], now=now)
    return {"years": years, "days": len(rows), "recomputed": recomputed}


@transaction.atomic
def calendar_day_save(*, actor, day: CalendarDay, previous_day: datetime.date | None = None, now=None) -> CalendarDay:
    """An admin's edit of one day (or a new one), then the recompute of the limits it moves."""
    _ensure_system_admin(actor)
    now = now or timezone.now()
    day.entered_by, day.entered_at = actor, now
    if previous_day is not None and previous_day != day.day:
        CalendarDay.objects.filter(day=previous_day).delete()
    day.save()
    days = [d for d in (day.day, previous_day) if d is not None]
    limits_recompute(actor=actor, changed_from=min(days), changed_to=max(days), now=now)
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay, now=None) -> None:
    _ensure_system_admin(actor)
    removed = day.day
    day.delete()
    limits_recompute(actor=actor, changed_from=removed, changed_to=removed, now=now)


def limits_recompute(*, actor, changed_from: datetime.date, changed_to: datetime.date, now=None) -> int:
    """Count the remit-objection limit again on every case it may move: provisional ones, and cases still
    waiting for acceptance whose window reaches the changed days. Returns how many moved."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    waiting = Q(status=Case.Status.REGISTERED, objection_due__gte=changed_from, registered_at__date__lte=changed_to)
    moved = 0
    for case in Case.objects.select_for_update(of=("self",)).select_related("category").filter(Q(objection_due_provisional=True) | waiting):
        received = timezone.localtime(case.registered_at).date()
        limit = calendar.add_working_days(received, case.category.objection_working_days if case.category else 5)
        if (limit.due, limit.provisional) == (case.objection_due, case.objection_due_provisional):
            continue
        old = case.objection_due
        case.objection_due, case.objection_due_provisional = limit.due, limit.provisional
        case.save(update_fields=["objection_due", "objection_due_provisional"])
        note = _("Remit-objection limit recounted on the holiday schedule: %(old)s → %(new)s") % {"old": old, "new": limit.due}
        record_event(case, actor, CaseEvent.Action.RECOMPUTE_LIMITS, case.status, note, at=now, objection_due=[str(old), str(limit.due)],
                     provisional=limit.provisional)
        moved += 1
    return moved
