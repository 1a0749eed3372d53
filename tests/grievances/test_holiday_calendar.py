"""The working-day calendar: the deadline engine reads the holiday table, a missing year is counted Monday to
Friday and marked provisional, and entering the year recounts those limits with a timeline event."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grievances import deadlines, holidays, services
from grievances.models import CalendarDay, Case
from tests.clock import at
from tests.factories import UserFactory

# Typed in by hand for these tests: shaped like a State Council notice, not the real 2027 schedule.
SCHEDULE_2027 = Path(__file__).parent / "files" / "holidays-2027.csv"
D = datetime.date


def upload(path=SCHEDULE_2027, name=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


@pytest.fixture
def system_admin(db):
    return UserFactory(real_name="高系统", is_staff=True, is_superuser=True, unit=None)


@pytest.fixture
def no_2027(db):
    """The package knows years up to 2026; make sure nothing else has entered 2027."""
    CalendarDay.objects.filter(day__year__gte=2027).delete()


def register(intake, regions, day: datetime.date) -> Case:
    return services.case_register(actor=intake, type="petition", source="letter", summary="宅基地确权", petitioner_name="王建国",
                                  petitioner_phone="13812345678", village_id=regions["village_a"].code, now=at(day, 10))


def test_the_years_the_package_knows_are_in_the_table_with_their_make_up_days():
    # National Day 2026: 10-01..10-07 off, Saturday 10-10 a make-up working day (seeded by the migration).
    assert CalendarDay.objects.get(day=D(2026, 10, 5)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(day=D(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(day=D(2026, 10, 1)).name == "国庆节"
    assert deadlines.add_working_days(D(2026, 9, 30), 5) == deadlines.Limit(D(2026, 10, 13), provisional=False)


def test_a_limit_over_a_missing_year_is_counted_monday_to_friday_and_marked(no_2027):
    # Tuesday 29 December 2026: Wed 30, Thu 31, then 2027 unknown — Fri 1, Mon 4, Tue 5 January.
    assert deadlines.add_working_days(D(2026, 12, 29), 5) == deadlines.Limit(D(2027, 1, 5), provisional=True)
    assert deadlines.add_working_days(D(2026, 12, 21), 5) == deadlines.Limit(D(2026, 12, 28), provisional=False)


def test_entering_the_next_year_recounts_a_limit_that_crossed_into_it(intake, regions, system_admin, no_2027):
    case = register(intake, regions, D(2026, 12, 29))
    assert (case.objection_due, case.objection_due_provisional) == (D(2027, 1, 5), True)

    result = holidays.schedule_import(actor=system_admin, rows=holidays.parse_schedule(upload()), source="手工录入（测试）")

    assert result == {"years": [2027], "days": 13, "recomputed": 1}
    case.refresh_from_db()
    # 元旦 1–3 January is off: Wed 30, Thu 31, Mon 4, Tue 5, Wed 6.
    assert (case.objection_due, case.objection_due_provisional) == (D(2027, 1, 6), False)
    event = case.events.get(action="recompute_limits")
    assert event.actor == system_admin and event.data["objection_due"] == ["2027-01-05", "2027-01-06"]


def test_a_case_of_spring_festival_week_is_provisional_until_the_year_is_entered_in_the_admin(
    client, intake, regions, system_admin, no_2027,
):
    case = register(intake, regions, D(2027, 2, 4))
    client.force_login(intake)
    page = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    assert "2027-02-11" in page and "按周一至周五推算，待节假日安排公布后重算" in page

    client.force_login(system_admin)
    response = client.post(reverse("admin:grievances_calendarday_import"), {"file": upload(), "source": "国务院办公厅通知（手工录入）"})
    assert response.status_code == 302

    client.force_login(intake)
    page = client.get(reverse("grievances:detail", args=[case.pk])).content.decode()
    # 5–12 February off, then Mon 15 … Fri 19.
    assert "2027-02-19" in page and "待节假日安排公布后重算" not in page  # the case's mark (a banner may name other years)
    assert "期限重算" in page and "2027-02-11 → 2027-02-19" in page
    assert CalendarDay.objects.get(day=D(2027, 2, 20)).entered_by == system_admin


def test_an_admins_correction_of_one_day_recounts_the_cases_waiting_on_it(intake, regions, system_admin):
    case = register(intake, regions, D(2026, 9, 30))  # due 13 October, over National Day
    day = CalendarDay.objects.get(day=D(2026, 10, 10))
    day.kind = CalendarDay.Kind.HOLIDAY  # say the make-up Saturday was entered wrongly
    holidays.calendar_day_save(actor=system_admin, day=day)
    case.refresh_from_db()
    assert case.objection_due == D(2026, 10, 14) and case.events.filter(action="recompute_limits").count() == 1
    holidays.calendar_day_save(actor=system_admin, day=day)  # saved again unchanged: nothing moves twice
    assert case.events.filter(action="recompute_limits").count() == 1


def test_a_bad_file_is_refused_row_by_row_in_chinese_and_changes_nothing(tmp_path, system_admin, client, no_2027):
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型,名称\n2027-13-01,放假,元旦\n2027-02-05,休假日,春节\n2027-02-06,放假,\n", encoding="utf-8")
    client.force_login(system_admin)
    page = client.post(reverse("admin:grievances_calendarday_import"), {"file": upload(bad), "source": "x"}).content.decode()
    assert "第2行" in page and "第3行" in page and "第4行" in page
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_a_gbk_csv_is_read(tmp_path, system_admin, no_2027):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(SCHEDULE_2027.read_text(encoding="utf-8").encode("gbk"))
    rows = holidays.parse_schedule(upload(gbk))
    assert rows[0] == holidays.ScheduleRow(D(2027, 1, 1), CalendarDay.Kind.HOLIDAY, "元旦")


def test_only_system_administrators_change_the_calendar(client, campaign_admin, intake):
    with pytest.raises(Exception, match="系统管理员"):
        holidays.schedule_import(actor=campaign_admin, rows=[], source="x")
    client.force_login(campaign_admin)
    assert client.get(reverse("admin:grievances_calendarday_changelist")).status_code == 403
    assert client.get(reverse("admin:grievances_calendarday_import")).status_code == 403


@time_machine.travel(at(D(2026, 11, 2)), tick=True)
def test_the_petition_office_and_system_admins_are_told_from_november_that_next_year_is_missing(
    client, intake, cadre, system_admin, no_2027,
):
    banner = "2027年节假日安排尚未录入"
    client.force_login(intake)
    assert banner in client.get(reverse("dashboards:home")).content.decode()
    client.force_login(system_admin)
    assert banner in client.get(reverse("dashboards:home")).content.decode()
    client.force_login(cadre)
    assert banner not in client.get(reverse("dashboards:home")).content.decode()

    assert client.get(reverse("readyz")).json()["notes"]["holiday_calendar"].startswith("no holiday schedule for 2027")

    holidays.schedule_import(actor=system_admin, rows=holidays.parse_schedule(upload()), source="手工录入")
    client.force_login(intake)
    assert banner not in client.get(reverse("dashboards:home")).content.decode()


@time_machine.travel(at(D(2026, 10, 30)), tick=True)
def test_before_november_a_known_year_raises_no_banner(client, intake, no_2027):
    client.force_login(intake)
    assert "节假日安排尚未录入" not in client.get(reverse("dashboards:home")).content.decode()


def test_a_day_removed_by_a_new_import_of_its_year_recounts_the_cases_waiting_on_it(intake, regions, system_admin, no_2027):
    rows = holidays.parse_schedule(upload())
    wrong = holidays.ScheduleRow(D(2027, 6, 30), CalendarDay.Kind.HOLIDAY, "误录")
    holidays.schedule_import(actor=system_admin, rows=[*rows, wrong], source="第一次录入")
    case = register(intake, regions, D(2027, 6, 28))
    assert case.objection_due == D(2027, 7, 6)  # 29 June, (30 off), 1, 2, 5, 6 July

    holidays.schedule_import(actor=system_admin, rows=rows, source="更正后的通知")  # the same year, without 30 June
    case.refresh_from_db()
    assert case.objection_due == D(2027, 7, 5) and case.events.filter(action="recompute_limits").count() == 1
