"""The case list's filters (grievances/filters.py): declared in one FilterSet, applied by the selector to the
cases the user may see, the same for the list, its export and the rectification ledger; a value that does
not validate is left out, as the links of dashboards and home pages rely on."""

import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from grievances import services
from grievances.filters import CaseFilter
from tests.clock import DAY, NOW, TODAY
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


def register(actor, village, **extra):
    data = {"type": "livelihood", "source": "phone", "summary": "路灯坏了", "petitioner_name": "王建国", "petitioner_phone": "13812345678"}
    return services.case_register(actor=actor, village_id=village.code, **{**data, **extra})


@pytest.fixture
def three(intake, regions):
    """A livelihood call from village A, a dispute in person from village B, and a call of 40 days ago."""
    return {
        "call": register(intake, regions["village_a"]),
        "dispute": register(intake, regions["village_b"], type="dispute", source="in_person"),
        "old": register(intake, regions["village_a"], now=NOW - 40 * DAY),
    }


def listed(client, **query):
    response = client.get(reverse("grievances:list"), query)
    assert response.status_code == 200
    return {case.number for case in response.context["page"].paginator.object_list}, response.context["filters"]


def test_each_filter_narrows_the_list(client, intake, regions, three):
    client.force_login(intake)
    assert listed(client, type="dispute")[0] == {three["dispute"].number}
    assert listed(client, source="phone")[0] == {three["call"].number, three["old"].number}
    assert listed(client, region=regions["village_b"].code)[0] == {three["dispute"].number}
    recent = (TODAY - 7 * DAY).isoformat()
    numbers, filters = listed(client, date_from=recent, date_to=TODAY.isoformat())
    assert numbers == {three["call"].number, three["dispute"].number}
    assert (filters["date_from"], filters["date_to"], filters["tab"]) == (recent, TODAY.isoformat(), "all")
    assert listed(client, q=three["old"].number.lower())[0] == {three["old"].number}
    assert listed(client, status="open", type="livelihood", date_to=(TODAY - 30 * DAY).isoformat())[0] == {three["old"].number}


def test_a_value_that_does_not_validate_is_left_out(client, intake, three):
    client.force_login(intake)
    everything = {case.number for case in three.values()}
    for query in ({"tab": "everyone"}, {"status": "lost"}, {"source": "pigeon"}, {"date_from": "2026-02-30"}, {"date_from": "1999-12-31"},
                  {"date_to": "2101-01-01"}, {"date_to": "23/11/2026"}, {"region": "abc"}, {"region": "４３１２９９１００２０１"},
                  {"category": "²"}, {"due_within": "99999999"}):
        numbers, filters = listed(client, **query)
        assert numbers == everything, query
        name = next(iter(query))
        assert filters[name] == ("all" if name == "tab" else ""), query
    page = client.get(reverse("grievances:list"), {"region": "abc", "source": "pigeon"}).content.decode()
    assert 'data-testid="kept-filters"' not in page  # nothing invalid is carried on to the tabs' links


def test_the_filterset_says_why_in_chinese(intake):
    filterset = CaseFilter({"date_from": "1999-12-31", "region": "12345", "type": "dispute"}, user=intake)
    assert filterset.errors["date_from"] == ["请选择 2000 年至 2100 年之间的日期。"]
    assert filterset.errors["region"] == ["区划代码应为 12 位数字。"]
    assert "type" not in filterset.errors and filterset.values["type"] == "dispute"
    assert str(filterset.form.fields["level"].label) == "办理层级"


def test_no_filter_reaches_beyond_what_the_user_may_see(client, intake, three, regions, unit_b):
    """A handler of township B asks for township A's village: nothing, and no queryset can be handed in."""
    other = UserFactory(unit=unit_b, roles=[Role.HANDLER])
    client.force_login(other)
    assert listed(client, region=regions["village_a"].code, tab="all")[0] == set()
    page = client.get(reverse("grievances:list"), {"region": regions["village_a"].code}).content.decode()
    assert regions["village_a"].name not in page
    asked = {"region": regions["village_a"].code}
    assert CaseFilter(asked, user=other).qs.count() == 0 and CaseFilter(asked, user=intake).qs.count() == 2
    with pytest.raises(TypeError):  # the cases come only from selectors.case_list(user, …), never from a caller
        CaseFilter(asked, queryset=None, user=other)


def test_the_export_and_the_ledger_read_the_same_filters(client, intake, three):
    client.force_login(intake)
    query = "?type=dispute&date_from=2026-02-30"  # one filter, one left out
    sheet = load_workbook(io.BytesIO(client.post(reverse("grievances:export") + query, {"purpose": "casework"}).content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [three["dispute"].number]
    groups = client.get(reverse("grievances:rectification") + query).context["groups"]
    assert sum(group["total"] for group in groups) == 1


def test_a_dashboard_link_keeps_its_region_and_dates(client, county_supervisor, regions, three):
    """The query string dashboards.drilldown.Scope.query builds for a count of open cases."""
    client.force_login(county_supervisor)
    start = (TODAY - 60 * DAY).isoformat()
    response = client.get(f"{reverse('grievances:list')}?region={regions['village_a'].code}&date_from={start}&date_to={TODAY}&status=open")
    assert {c.number for c in response.context["page"].paginator.object_list} == {three["call"].number, three["old"].number}
    assert response.context["kept"] == {"region": regions["village_a"].code, "date_from": start, "date_to": TODAY.isoformat()}
    assert 'data-testid="kept-filters"' in response.content.decode() and regions["village_a"].name in response.content.decode()
